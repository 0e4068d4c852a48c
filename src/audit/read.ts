// Streams audit lines file by file (readline over a read stream): memory stays constant whatever the log size.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { auditPath, listAuditFiles } from './files.js';
import type { AuditRecord } from './record.js';

export interface AuditLine {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  text: string;
  /** True for the last line of a file that does not end in a newline (a torn write). */
  torn: boolean;
}

export async function* readLines(dir: string, files?: string[]): AsyncGenerator<AuditLine> {
  for (const file of files ?? (await listAuditFiles(dir))) {
    const path = auditPath(dir, file);
    // Read up to the size seen now: a live writer may be appending, and a half-written line past it is not torn.
    const { size, newlineAtEnd } = await snapshot(path);
    if (size === 0) continue;
    const input = createReadStream(path, { encoding: 'utf8', start: 0, end: size - 1 });
    const rl = createInterface({ input, crlfDelay: Infinity });
    let pending: AuditLine | undefined;
    let line = 0;
    // Hold one line back: only once the stream ends do we know which line was the last.
    for await (const text of rl) {
      if (pending) yield pending;
      pending = { file, line: ++line, text, torn: false };
    }
    if (pending) {
      pending.torn = !newlineAtEnd;
      yield pending;
    }
  }
}

async function snapshot(path: string): Promise<{ size: number; newlineAtEnd: boolean }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return { size, newlineAtEnd: true };
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, size - 1);
    return { size, newlineAtEnd: buf[0] === 0x0a };
  } finally {
    await fh.close();
  }
}

/** Parsed records, skipping lines that do not parse (verify is the tool that reports those). */
export async function* readRecords(dir: string, prefilter?: (text: string) => boolean): AsyncGenerator<AuditRecord & { file: string; line: number }> {
  for await (const l of readLines(dir)) {
    if (l.torn || (prefilter && !prefilter(l.text))) continue;
    const rec = parse(l.text);
    if (rec) yield Object.assign(rec, { file: l.file, line: l.line });
  }
}

export function parse(text: string): AuditRecord | undefined {
  try {
    const v = JSON.parse(text) as AuditRecord;
    return v !== null && typeof v === 'object' && typeof v.seq === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
