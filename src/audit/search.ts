// `sluice audit search`: stream every record, keep those matching all filters, print a table or JSON lines.
import { SluiceError } from '../errors.js';
import { emit, type CliIo } from './io.js';
import { readRecords } from './read.js';
import type { AuditRecord } from './record.js';

export interface SearchFilter {
  subject?: string;
  job?: string;
  session?: string;
  decision?: string;
  detector?: string;
  kind?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

export function matches(rec: AuditRecord, f: SearchFilter): boolean {
  const id = rec.identity;
  if (f.subject !== undefined && id?.subject !== f.subject) return false;
  if (f.job !== undefined && id?.job !== f.job) return false;
  if (f.session !== undefined && id?.session !== f.session) return false;
  if (f.decision !== undefined && rec.decision !== f.decision) return false;
  if (f.kind !== undefined && rec.kind !== f.kind) return false;
  if (f.detector !== undefined && !(rec.findings ?? []).some((x) => x.detector === f.detector)) return false;
  if (f.since !== undefined || f.until !== undefined) {
    const t = Date.parse(rec.time);
    if (f.since !== undefined && !(t >= f.since)) return false;
    if (f.until !== undefined && !(t < f.until)) return false;
  }
  return true;
}

/**
 * Cheap necessary condition on the raw line, so most non-matching lines are never parsed.
 * Lines are canonical JSON (no whitespace), so a member appears exactly as `"key":"value"`.
 */
export function linePrefilter(f: SearchFilter): ((text: string) => boolean) | undefined {
  const needles: string[] = [];
  const add = (key: string, v: string | undefined) => v !== undefined && needles.push(`"${key}":${JSON.stringify(v)}`);
  add('subject', f.subject);
  add('job', f.job);
  add('session', f.session);
  add('decision', f.decision);
  add('detector', f.detector);
  add('kind', f.kind);
  if (needles.length === 0) return undefined;
  return function prefilter(text) {
    return needles.every((n) => text.includes(n));
  };
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO time, or a duration back from now such as `30m`, `2h`, `7d`. */
export function parseTime(value: string, now = Date.now()): number {
  const rel = /^(\d+)([smhd])$/.exec(value);
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new SluiceError('SLUICE_BAD_REQUEST', `not a time: ${value} (use ISO-8601 or e.g. 30m, 2h, 7d)`);
  return t;
}

const COLUMNS: Array<[string, number, (r: AuditRecord) => string]> = [
  ['TIME', 24, (r) => r.time],
  ['SEQ', 7, (r) => String(r.seq)],
  ['KIND', 12, (r) => r.kind],
  ['SUBJECT', 18, (r) => r.identity?.subject ?? '-'],
  ['JOB', 14, (r) => r.identity?.job ?? '-'],
  ['SESSION', 14, (r) => r.identity?.session ?? '-'],
  ['MODEL', 18, (r) => r.model ?? '-'],
  ['DECISION', 9, (r) => r.decision ?? '-'],
  ['STATUS', 6, (r) => (r.status === null ? '-' : String(r.status))],
  ['FINDINGS', 0, (r) => findingsLabel(r)],
];

export function findingsLabel(r: AuditRecord): string {
  const f = r.findings ?? [];
  return f.length === 0 ? '-' : f.map((x) => `${x.detector}×${x.count}`).join(',');
}

function cell(text: string, width: number): string {
  if (width === 0) return text;
  const t = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return t.padEnd(width);
}

export function tableHeader(): string {
  return COLUMNS.map(([name, w]) => cell(name, w)).join(' ') + '\n';
}

export function tableRow(r: AuditRecord): string {
  return COLUMNS.map(([, w, get]) => cell(get(r).replace(/[\r\n\t]/g, ' '), w)).join(' ') + '\n';
}

/** Every record matching all filters, in chain order, streamed (raw lines are prefiltered before parsing). */
export async function* searchRecords(dir: string, filter: SearchFilter): AsyncGenerator<AuditRecord & { file: string; line: number }> {
  for await (const rec of readRecords(dir, linePrefilter(filter))) if (matches(rec, filter)) yield rec;
}

/** Returns the number of matching records. */
export async function runSearch(dir: string, filter: SearchFilter, json: boolean, io: CliIo): Promise<number> {
  let count = 0;
  if (!json) await emit(io.stdout, tableHeader());
  for await (const rec of searchRecords(dir, filter)) {
    count++;
    const { file: _f, line: _l, ...plain } = rec;
    await emit(io.stdout, json ? JSON.stringify(plain) + '\n' : tableRow(rec));
  }
  return count;
}
