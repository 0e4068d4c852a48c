// The log scanner: egress evidence from elsewhere (proxy, web server, flow and DNS exports) → shadow-AI
// calls by source and host. Files are streamed in chunks and split on '\n' here rather than by readline,
// so one endless line cannot grow memory: lines longer than `maxLineBytes` are skipped and counted.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { Classifier } from './classify.js';
import { createAggregate, type SummaryEntry } from './aggregate.js';
import { normalizeHost } from './hosts.js';
import { parseLogLine, type LogFormat } from './log-formats.js';

export interface ScanOptions {
  classifier: Classifier;
  /** Distinct (source, host) pairs kept; further pairs are counted in `dropped`. */
  maxPairs?: number;
  maxLineBytes?: number;
}

export interface FileStats {
  file: string;
  lines: number;
  malformed: number;
  shadow: number;
}

export interface ScanReport {
  files: FileStats[];
  lines: number;
  malformed: number;
  /** Lines that recorded a shadow call. */
  shadow: number;
  formats: Record<LogFormat, number>;
  entries: SummaryEntry[];
  /** Shadow calls whose (source, host) pair did not fit in `maxPairs`. */
  dropped: number;
}

export interface Scanner {
  /** Feeds one line (without its newline). */
  line(text: string, stats: FileStats): void;
  stream(input: Readable, file: string): Promise<FileStats>;
  report(): ScanReport;
}

const UNKNOWN_HOST = '(unknown)';

export function createScanner(opts: ScanOptions): Scanner {
  const maxLine = opts.maxLineBytes ?? 64 * 1024;
  const agg = createAggregate(opts.maxPairs ?? 100_000);
  const files: FileStats[] = [];
  const formats: Record<LogFormat, number> = { squid: 0, combined: 0, json: 0 };

  function line(text: string, stats: FileStats): void {
    stats.lines++;
    if (text.length === 0 || (text.length === 1 && text === '\r')) return;
    const ev = parseLogLine(text.endsWith('\r') ? text.slice(0, -1) : text);
    if (!ev) {
      stats.malformed++;
      return;
    }
    formats[ev.format]++;
    const c = opts.classifier.classify({ host: ev.host, path: ev.path });
    if (!c.matched) return;
    stats.shadow++;
    agg.add({ source: ev.source, host: normalizeHost(ev.host) || UNKNOWN_HOST, time: ev.time, signatures: c.signatures, provider: c.provider });
  }

  async function stream(input: Readable, file: string): Promise<FileStats> {
    const stats: FileStats = { file, lines: 0, malformed: 0, shadow: 0 };
    files.push(stats);
    let carry: Buffer | null = null;
    let skipping = false; // inside an over-long line: drop bytes until its newline
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      let nl: number;
      while ((nl = chunk.indexOf(10, start)) >= 0) {
        if (skipping) {
          skipping = false;
        } else if (carry) {
          const whole: Buffer = Buffer.concat([carry, chunk.subarray(start, nl)]);
          carry = null;
          if (whole.length > maxLine) overlong(stats);
          else line(whole.toString('utf8'), stats);
        } else if (nl - start > maxLine) {
          overlong(stats);
        } else {
          line(chunk.toString('utf8', start, nl), stats);
        }
        start = nl + 1;
      }
      if (start < chunk.length && !skipping) {
        const rest = chunk.subarray(start);
        carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
        if (carry.length > maxLine) {
          carry = null;
          skipping = true;
          overlong(stats);
        }
      }
    }
    if (carry && carry.length) line(carry.toString('utf8'), stats);
    return stats;
  }

  function overlong(stats: FileStats): void {
    stats.lines++;
    stats.malformed++;
  }

  function report(): ScanReport {
    const sum = (k: 'lines' | 'malformed' | 'shadow') => files.reduce((n, f) => n + f[k], 0);
    return { files, lines: sum('lines'), malformed: sum('malformed'), shadow: sum('shadow'), formats: { ...formats }, entries: agg.entries(), dropped: agg.dropped };
  }

  return { line, stream, report };
}

/** Opens a log file for scanning: `-` is stdin, `.gz` files are decompressed on the fly. */
export function openLog(file: string): Readable {
  if (file === '-') return process.stdin;
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  if (!file.endsWith('.gz')) return raw;
  const gunzip = createGunzip();
  // pipe() does not forward errors: a missing file must fail the scan, not leave it waiting.
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

export async function scanFiles(paths: readonly string[], opts: ScanOptions): Promise<ScanReport> {
  const scanner = createScanner(opts);
  for (const p of paths) await scanner.stream(openLog(p), p);
  return scanner.report();
}
