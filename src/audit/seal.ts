// Turns a record draft into one hash-chained JSONL line, and recomputes a stored record's hash for verify.
import { hash as oneShotHash } from 'node:crypto';
import { canonicalize, sha256Hex } from './canonical.js';
import { canonicalPieces, escapeJsonInto } from './serialize.js';
import type { AuditRecord, AuditRecordInput, CheckpointInfo } from './record.js';

export interface SealedRecord {
  seq: number;
  hash: string;
  /** The canonical form with `hash` appended last, plus the newline: the bytes the sink writes. */
  line: Buffer;
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
    routing: input.routing,
    cost: input.cost,
    checkpoint: 'checkpoint' in input ? input.checkpoint : undefined,
  };
}

export type CheckpointDraft = Partial<Omit<AuditRecordInput, 'kind'>> & { kind: 'checkpoint'; checkpoint: CheckpointInfo };

/** `,"hash":"` + 64 hex digits + `"}` + newline replace the canonical form's closing brace. */
const HASH_TAIL_BYTES = 9 + 64 + 3;
/** Records are encoded into shared slabs (one allocation per many records, freed once the sink wrote them). */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

/** Room for `max` bytes: the rest of the current slab, a new slab, or a buffer of its own for a huge record. */
function reserve(max: number): { buf: Buffer; at: number } {
  if (max > SLAB_BYTES / 4) return { buf: Buffer.allocUnsafeSlow(max), at: 0 };
  if (slabUsed + max > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  return { buf: slab, at: slabUsed };
}

export function seal(body: Omit<AuditRecord, 'seq' | 'prev' | 'hash'>, seq: number, prev: string): SealedRecord {
  const { parts, raw } = canonicalPieces(body, seq, prev);
  // Encoded once: the hash is taken over these bytes and the sink writes them. A UTF-16 unit is at most 3 bytes, a
  // raw body byte at most 6 (\u00XX).
  let max = HASH_TAIL_BYTES;
  for (const p of parts) max += p.length * 3;
  for (const r of raw) max += r.length * 6 + 2;
  const { buf, at } = reserve(max);
  let n = at + buf.write(parts[0], at);
  for (let i = 0; i < raw.length; i++) {
    n = escapeJsonInto(raw[i], buf, n);
    n += buf.write(parts[i + 1], n);
  }
  const hash = oneShotHash('sha256', buf.subarray(at, n), 'hex');
  // `hash` sorts between other keys, but appending it keeps one canonicalization per record;
  // verify parses the line and re-canonicalizes without `hash`, so member order in the line is free.
  const end = n - 1 + buf.write(`,"hash":"${hash}"}\n`, n - 1, 'latin1');
  if (buf === slab) slabUsed = (end + 7) & ~7;
  return { seq, hash, line: buf.subarray(at, end) };
}

/** The hash a parsed record should carry. */
export function computeHash(record: Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = record;
  return sha256Hex(canonicalize(rest));
}
