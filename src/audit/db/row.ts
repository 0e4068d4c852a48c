// One audit line as a database row: the searchable columns next to the exact line (the hash covers the line, so
// `audit verify --db` recomputes it from `line` and checks that the columns say what the line says).
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

/** Undefined for a line that is not a sealed record (verify reports those; they are not shipped). */
export function rowOf(line: string): AuditRow | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
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
    line,
    checkpoint: r.kind === 'checkpoint' ? (r.checkpoint as CheckpointInfo) : undefined,
  };
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
