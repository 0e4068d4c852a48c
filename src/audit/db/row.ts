// One audit line as a database row: the searchable columns next to the exact line (the hash covers the line, so
// `audit verify --db` recomputes it from `line` and checks that the columns say what the line says).
import { isUtf8 } from 'node:buffer';
import type { CheckpointInfo } from '../record.js';

export interface AuditRow {
  seq: number;
  time: string;
  kind: string;
  subject: string | null;
  job: string | null;
  session: string | null;
  decision: string | null;
  detectors: string[];
  model: string | null;
  status: number | null;
  request_id: string | null;
  prev: string;
  hash: string;
  line: string;
  checkpoint?: CheckpointInfo;
}

/** A row on its way to the database: the line as the bytes of the file (without its newline), not a string. */
export type ShipRow = Omit<AuditRow, 'line'> & { bytes: Buffer };

/** Undefined for a line that is not a sealed record (verify reports those; they are not shipped). */
export function rowOf(line: string): AuditRow | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const c = columnsOf(r);
  return c && { ...c, line };
}

// A sealed line is canonical JSON (keys sorted) with `hash` appended: `…,"prev":"<64 hex>","request":{…},
// "requestId":…,"response":{…},"route":…,"hash":"…"}`. The two bodies are nearly all of its bytes and no column comes
// from them, so the columns are parsed from the line without them. A `"` inside a string is always escaped, so these
// markers can only be the line's own structure; a body capture holds only `bytes`, `mode` and `text`.
const PREV = Buffer.from(',"prev":"');
const AFTER_PREV = Buffer.from('","request":{');
const REQUEST_ID = Buffer.from('},"requestId":');
const RESPONSE = Buffer.from(',"response":{');
const ROUTE = Buffer.from('},"route":');

/**
 * rowOf() for a line read from a file, without decoding or parsing its bodies (issue 21): native searches for the
 * markers above, then JSON.parse of the few hundred bytes around them. A line of any other shape (or not valid UTF-8,
 * which PostgreSQL would refuse) takes rowOf()'s full parse, and is sent as rowOf() decoded it.
 */
export function shipRowOf(line: Buffer): ShipRow | undefined {
  if (isUtf8(line) && line.indexOf(0) < 0) {
    const r = skim(line);
    const c = r && columnsOf(r);
    if (c) return { ...c, bytes: line };
  }
  const row = rowOf(line.toString('utf8'));
  if (!row) return undefined;
  const { line: text, ...c } = row;
  return { ...c, bytes: Buffer.from(text, 'utf8') };
}

function skim(line: Buffer): Record<string, unknown> | undefined {
  const p = line.indexOf(PREV);
  if (p < 0) return undefined;
  const req = p + PREV.length + 64;
  if (line.compare(AFTER_PREV, 0, AFTER_PREV.length, req, req + AFTER_PREV.length) !== 0) return undefined;
  const id = line.indexOf(REQUEST_ID, req);
  const res = id < 0 ? -1 : line.indexOf(RESPONSE, id);
  const route = res < 0 ? -1 : line.indexOf(ROUTE, res);
  if (route < 0) return undefined;
  try {
    const r = JSON.parse(line.toString('utf8', 0, req + 1) + line.toString('utf8', id + 1, res) + line.toString('utf8', route + 1)) as unknown;
    return r !== null && typeof r === 'object' ? (r as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function columnsOf(r: Record<string, unknown>): Omit<AuditRow, 'line'> | undefined {
  if (r === null || typeof r !== 'object' || !Number.isSafeInteger(r.seq) || typeof r.hash !== 'string' || typeof r.prev !== 'string' || typeof r.time !== 'string') return undefined;
  const id = (r.identity ?? null) as { subject?: unknown; job?: unknown; session?: unknown } | null;
  const findings = Array.isArray(r.findings) ? (r.findings as Array<{ detector?: unknown }>) : [];
  return {
    seq: r.seq as number,
    time: r.time,
    kind: String(r.kind),
    subject: str(id?.subject),
    job: str(id?.job),
    session: str(id?.session),
    decision: str(r.decision),
    detectors: [...new Set(findings.map((f) => f.detector).filter((d): d is string => typeof d === 'string'))],
    model: str(r.model),
    status: Number.isSafeInteger(r.status) ? (r.status as number) : null,
    request_id: str(r.requestId),
    prev: r.prev,
    hash: r.hash,
    checkpoint: r.kind === 'checkpoint' ? (r.checkpoint as CheckpointInfo) : undefined,
  };
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
