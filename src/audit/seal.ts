// Turns a record draft into one hash-chained JSONL line, and recomputes a stored record's hash for verify.
import { canonicalize, sha256Hex } from './canonical.js';
import type { AuditRecord, AuditRecordInput, CheckpointInfo } from './record.js';

export interface SealedRecord {
  seq: number;
  hash: string;
  /** The canonical form with `hash` appended last, plus the newline. */
  line: string;
}

/** Fills every field the draft left out, so all records share one shape (easy for log shippers). */
export function normalize(input: AuditRecordInput | CheckpointDraft, now: Date): Omit<AuditRecord, 'seq' | 'prev' | 'hash'> {
  return {
    v: 1,
    kind: input.kind,
    time: input.time ?? now.toISOString(),
    requestId: input.requestId ?? null,
    identity: input.identity ?? null,
    source: input.source ?? null,
    connection: input.connection ?? null,
    route: input.route ?? null,
    model: input.model ?? null,
    stream: input.stream ?? null,
    decision: input.decision ?? null,
    approvalId: input.approvalId ?? null,
    approver: input.approver ?? null,
    justification: input.justification ?? null,
    findings: input.findings ?? [],
    request: input.request ?? { mode: 'none', bytes: 0 },
    response: input.response ?? { mode: 'none', bytes: 0 },
    usage: input.usage ?? null,
    status: input.status ?? null,
    error: input.error ?? null,
    aborted: input.aborted ?? false,
    latency: input.latency ?? null,
    detail: input.detail ?? null,
    checkpoint: 'checkpoint' in input ? input.checkpoint : undefined,
  };
}

export type CheckpointDraft = Partial<Omit<AuditRecordInput, 'kind'>> & { kind: 'checkpoint'; checkpoint: CheckpointInfo };

export function seal(body: Omit<AuditRecord, 'seq' | 'prev' | 'hash'>, seq: number, prev: string): SealedRecord {
  const canonical = canonicalize({ ...body, seq, prev });
  const hash = sha256Hex(canonical);
  // `hash` sorts between other keys, but appending it keeps one canonicalization per record;
  // verify parses the line and re-canonicalizes without `hash`, so member order in the line is free.
  return { seq, hash, line: `${canonical.slice(0, -1)},"hash":"${hash}"}\n` };
}

/** The hash a parsed record should carry. */
export function computeHash(record: Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = record;
  return sha256Hex(canonicalize(rest));
}
