// `sluice audit tail [--follow]`: JSON lines to stdout for log shippers (Vector, Fluent Bit, Splunk forwarders).
// Lines are copied byte for byte (each is already one JSON object); follow mode polls and crosses rotations.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditPath, listAuditFiles } from './files.js';
import { emit, type CliIo } from './io.js';

export interface TailOptions {
  follow: boolean;
  /** How many existing records to print first. */
  lines: number | 'all';
  pollMs?: number;
}

/** Yields the complete lines between `start` and `end` (exclusive); returns the offset after the last newline. */
export async function* completeLines(path: string, start: number, end?: number): AsyncGenerator<string, number> {
  if (end !== undefined && end <= start) return start;
  const input = createReadStream(path, { start, end: end === undefined ? undefined : end - 1 });
  let carry: Buffer = Buffer.alloc(0);
  let pos = start;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let from = 0;
    let nl: number;
    while ((nl = buf.indexOf(0x0a, from)) !== -1) {
      yield buf.toString('utf8', from, nl);
      from = nl + 1;
    }
    // `carry` always starts at `pos`, so the bytes consumed from `buf` advance it exactly.
    pos += from;
    carry = buf.subarray(from);
  }
  return pos;
}

async function countLines(path: string, end: number): Promise<number> {
  let n = 0;
  const it = completeLines(path, 0, end);
  while (!(await it.next()).done) n++;
  return n;
}

/** Prints the chosen existing records, then (with follow) new ones until the signal aborts. Returns lines printed. */
export async function runTail(dir: string, opts: TailOptions, io: CliIo): Promise<number> {
  const files = await listAuditFiles(dir);
  // Snapshot sizes first, so the initial part and the follow part meet at exact byte offsets.
  const sizes = await Promise.all(files.map(async (f) => (await stat(auditPath(dir, f))).size));
  let first = 0;
  let skip = 0;
  if (opts.lines !== 'all') {
    let need = opts.lines;
    for (let i = files.length - 1; i >= 0 && need > 0; i--) {
      const n = await countLines(auditPath(dir, files[i]), sizes[i]);
      first = i;
      skip = Math.max(0, n - need);
      need -= n;
    }
    if (opts.lines === 0) first = files.length;
  }
  let printed = 0;
  let pos = 0;
  for (let i = first; i < files.length; i++) {
    const it = completeLines(auditPath(dir, files[i]), 0, sizes[i]);
    for (let r = await it.next(); ; r = await it.next()) {
      if (r.done) {
        pos = r.value;
        break;
      }
      if (skip > 0) skip--;
      else {
        await emit(io.stdout, r.value + '\n');
        printed++;
      }
    }
  }
  if (!opts.follow) return printed;
  // With lines = 0 the loop above did not run: follow from the current end of the newest file.
  if (first >= files.length && files.length > 0) pos = sizes[files.length - 1];
  return printed + (await follow(dir, files[files.length - 1], pos, opts.pollMs ?? 250, io));
}

async function follow(dir: string, current: string | undefined, pos: number, pollMs: number, io: CliIo): Promise<number> {
  let printed = 0;
  async function drain(file: string): Promise<void> {
    const it = completeLines(auditPath(dir, file), pos);
    for (let r = await it.next(); ; r = await it.next()) {
      if (r.done) {
        pos = r.value;
        return;
      }
      await emit(io.stdout, r.value + '\n');
      printed++;
    }
  }
  while (!io.signal?.aborted) {
    if (current !== undefined) await drain(current);
    const next = (await listAuditFiles(dir)).find((f) => current === undefined || f > current);
    if (next !== undefined) {
      // The writer completes a file before creating the next, so one more read gets the rest of it.
      if (current !== undefined) await drain(current);
      current = next;
      pos = 0;
      continue;
    }
    try {
      await sleep(pollMs, undefined, { signal: io.signal });
    } catch {
      break;
    }
  }
  return printed;
}
