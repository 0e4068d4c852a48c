// Start-up recovery: a crash can leave the newest file ending in a torn line (a partial write, or zeros
// from a filesystem that extended the file before the data landed). Cut it off and resume the chain.
// Synchronous on purpose: it runs once before the gateway listens.
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { auditPath, listAuditFilesSync } from './files.js';
import { GENESIS_HASH } from './record.js';
import type { AuditLogger } from './config.js';

export interface RecoveredTail {
  /** Newest file (possibly empty), to append to if it is still within the rotation limits. */
  newest?: { name: string; size: number };
  /** Chain position to continue from. */
  seq: number;
  hash: string;
  truncatedBytes: number;
}

const BLOCK = 64 * 1024;

export function recoverTail(dir: string, logger: AuditLogger): RecoveredTail {
  const names = listAuditFilesSync(dir);
  const out: RecoveredTail = { seq: 0, hash: GENESIS_HASH, truncatedBytes: 0 };
  for (let i = names.length - 1; i >= 0; i--) {
    const name = names[i];
    const fd = openSync(auditPath(dir, name), 'r+');
    try {
      const found = repairFile(fd, name, logger);
      out.truncatedBytes += found.truncated;
      out.newest ??= { name, size: found.size };
      if (found.last) {
        out.seq = found.last.seq;
        out.hash = found.last.hash;
        return out;
      }
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

interface Repaired {
  size: number;
  truncated: number;
  last?: { seq: number; hash: string };
}

function repairFile(fd: number, name: string, logger: AuditLogger): Repaired {
  let size = fstatSync(fd).size;
  let truncated = 0;
  while (size > 0) {
    const lastNl = lastIndexOfNewline(fd, size - 1);
    if (lastNl === size - 1) {
      const start = lastIndexOfNewline(fd, size - 2) + 1;
      const last = parseTail(readRange(fd, start, size - 1));
      if (last) {
        if (truncated > 0) fdatasyncSync(fd);
        return { size, truncated, last };
      }
      // A complete but unparsable line can only come from a torn write (we write whole lines): drop it too.
      logger.warn({ file: name, offset: start, bytes: size - start }, 'audit: dropping unparsable last line');
      truncated += size - start;
      size = start;
    } else {
      const keep = lastNl + 1;
      logger.warn({ file: name, offset: keep, bytes: size - keep }, 'audit: truncating torn last line');
      truncated += size - keep;
      size = keep;
    }
    ftruncateSync(fd, size);
  }
  if (truncated > 0) fdatasyncSync(fd);
  return { size, truncated };
}

function parseTail(text: string): { seq: number; hash: string } | undefined {
  try {
    const rec = JSON.parse(text) as { seq?: unknown; hash?: unknown };
    if (typeof rec.seq === 'number' && typeof rec.hash === 'string' && /^[0-9a-f]{64}$/.test(rec.hash)) {
      return { seq: rec.seq, hash: rec.hash };
    }
  } catch {
    // fall through: treated as torn
  }
  return undefined;
}

/** Index of the last '\n' at or before `from`, or -1. Reads backwards in blocks. */
function lastIndexOfNewline(fd: number, from: number): number {
  const buf = Buffer.allocUnsafe(BLOCK);
  let end = from + 1;
  while (end > 0) {
    const start = Math.max(0, end - BLOCK);
    const n = readSync(fd, buf, 0, end - start, start);
    const idx = buf.subarray(0, n).lastIndexOf(0x0a);
    if (idx >= 0) return start + idx;
    end = start;
  }
  return -1;
}

function readRange(fd: number, start: number, end: number): string {
  const buf = Buffer.allocUnsafe(end - start);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, start + off);
    if (n === 0) break;
    off += n;
  }
  return buf.toString('utf8', 0, off);
}
