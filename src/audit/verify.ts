// Verifies the whole trail in file order: every record's own hash, the chain (seq + prev), torn lines,
// and checkpoint signatures. Each problem names file:line; memory stays bounded (a window of recent hashes).
import type { KeyObject } from 'node:crypto';
import { checkCheckpointSignature } from './keys.js';
import { readLines, type AuditLine } from './read.js';
import { GENESIS_HASH, type CheckpointInfo } from './record.js';
import { computeHash } from './seal.js';

export type VerifyCode =
  | 'torn_line'
  | 'bad_json'
  | 'bad_shape'
  | 'hash_mismatch'
  | 'seq_gap'
  | 'reordered'
  | 'prev_mismatch'
  | 'chain_start'
  | 'checkpoint_mismatch'
  | 'checkpoint_unresolved'
  | 'bad_signature'
  | 'signatures_unchecked'
  | 'unsigned_tail'
  | 'gap';

export interface VerifyIssue {
  file: string;
  line: number;
  severity: 'error' | 'warning';
  code: VerifyCode;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  files: number;
  records: number;
  checkpoints: number;
  signaturesVerified: number;
  lastSeq: number;
  /** Seq of the last record covered by a verified signature (0 when none). */
  lastSignedSeq: number;
  errors: number;
  /** The first `maxIssues` problems (errors and warnings). */
  issues: VerifyIssue[];
  /** The newest checkpoint in the trail, and whether its signature verified (null: no public key given). */
  lastCheckpoint: LastCheckpoint | null;
}

export interface LastCheckpoint {
  /** Seq and time of the checkpoint record itself. */
  seq: number;
  time: string;
  file: string;
  /** The record it signs. */
  signedSeq: number;
  signedHash: string;
  kid: string;
  signatureValid: boolean | null;
}

export interface VerifyOptions {
  dir: string;
  /** Lines to verify instead of the files in `dir` (the database store: one instance's rows in seq order). */
  lines?: AsyncIterable<AuditLine>;
  publicKey?: KeyObject;
  maxIssues?: number;
}

/** How far back a checkpoint may point; signing takes milliseconds, so this is generous. */
const HASH_WINDOW = 10_000;
const HEX64 = /^[0-9a-f]{64}$/;

interface Parsed {
  seq: number;
  time: string;
  prev: string;
  hash: string;
  kind: string;
  checkpoint?: CheckpointInfo;
}

export async function verifyAuditLog(opts: VerifyOptions): Promise<VerifyReport> {
  const maxIssues = opts.maxIssues ?? 1000;
  const report: VerifyReport = { ok: true, files: 0, records: 0, checkpoints: 0, signaturesVerified: 0, lastSeq: 0, lastSignedSeq: 0, errors: 0, issues: [], lastCheckpoint: null };
  const recent = new Map<number, { hash: string; loc: string }>();
  let expected: number | undefined;
  let currentFile = '';
  let last = { file: '', line: 0 };

  function issue(file: string, line: number, severity: VerifyIssue['severity'], code: VerifyCode, message: string): void {
    if (severity === 'error') report.errors++;
    if (report.issues.length < maxIssues) report.issues.push({ file, line, severity, code, message });
  }

  for await (const l of opts.lines ?? readLines(opts.dir)) {
    if (l.file !== currentFile) {
      currentFile = l.file;
      report.files++;
    }
    last = { file: l.file, line: l.line };
    const err = (code: VerifyCode, message: string) => issue(l.file, l.line, 'error', code, message);
    if (l.torn) {
      err('torn_line', 'last line is incomplete (no trailing newline): the file was truncated or a write was torn');
      // Count the unreadable line as one record, so the next record is not also reported as a gap.
      if (expected !== undefined) expected++;
      continue;
    }
    const rec = parseRecord(l.text);
    if (typeof rec === 'string') {
      err(rec === 'json' ? 'bad_json' : 'bad_shape', rec === 'json' ? 'line is not valid JSON' : 'line is not an audit record (seq/prev/hash missing)');
      if (expected !== undefined) expected++;
      continue;
    }
    report.records++;
    if (computeHash(rec.raw) !== rec.hash) err('hash_mismatch', `record seq ${rec.seq} does not match its hash: its content was edited`);
    if (expected === undefined) {
      if (rec.seq !== 1 || rec.prev !== GENESIS_HASH) {
        issue(l.file, l.line, rec.seq === 1 ? 'error' : 'warning', 'chain_start', `chain starts at seq ${rec.seq}, not at the genesis record: earlier records are missing`);
      }
    } else if (rec.seq > expected) {
      err('seq_gap', `expected seq ${expected}, found ${rec.seq}: ${rec.seq - expected} record(s) deleted or moved`);
    } else if (rec.seq < expected) {
      err('reordered', `seq ${rec.seq} appears after seq ${expected - 1}: records were reordered or duplicated`);
    } else {
      // Link by seq rather than by position, so one moved record yields one error, not a cascade.
      const want = recent.get(rec.seq - 1);
      if (want !== undefined && rec.prev !== want.hash) {
        err('prev_mismatch', `prev does not match the hash of seq ${rec.seq - 1} (${want.loc}): a record was replaced or the chain re-hashed`);
      }
    }
    if (rec.checkpoint) {
      const valid = await checkCheckpoint(rec.checkpoint, l.file, l.line);
      const cp = rec.checkpoint;
      report.lastCheckpoint = { seq: rec.seq, time: rec.time, file: l.file, signedSeq: cp.seq, signedHash: cp.hash, kid: cp.kid, signatureValid: valid };
    }
    if (rec.kind === 'gap') {
      const d = (rec.raw.detail ?? {}) as { dropped?: unknown; firstDroppedAt?: unknown; lastDroppedAt?: unknown };
      err('gap', `${String(d.dropped)} record(s) were dropped between ${String(d.firstDroppedAt)} and ${String(d.lastDroppedAt)} (the audit disk failed or the backlog overflowed): the trail is incomplete here`);
    }
    expected = Math.max(expected ?? 0, rec.seq + 1);
    report.lastSeq = Math.max(report.lastSeq, rec.seq);
    recent.set(rec.seq, { hash: rec.hash, loc: `${l.file}:${l.line}` });
    if (recent.size > HASH_WINDOW) recent.delete(recent.keys().next().value as number);
  }

  /** Whether the signature verified, or null without a public key. */
  async function checkCheckpoint(cp: CheckpointInfo, file: string, line: number): Promise<boolean | null> {
    report.checkpoints++;
    const seen = recent.get(cp.seq)?.hash;
    if (seen === undefined) issue(file, line, 'warning', 'checkpoint_unresolved', `checkpoint signs seq ${cp.seq}, which is not among the preceding records`);
    else if (seen !== cp.hash) issue(file, line, 'error', 'checkpoint_mismatch', `checkpoint signs a different hash for seq ${cp.seq} than the log holds: records were rewritten`);
    if (!opts.publicKey) return null;
    const problem = await checkCheckpointSignature(cp, opts.publicKey);
    if (problem) {
      issue(file, line, 'error', 'bad_signature', `checkpoint for seq ${cp.seq}: ${problem}`);
      return false;
    }
    report.signaturesVerified++;
    if (seen === cp.hash) report.lastSignedSeq = Math.max(report.lastSignedSeq, cp.seq);
    return true;
  }

  if (report.checkpoints > 0 && !opts.publicKey) {
    issue(last.file, 0, 'warning', 'signatures_unchecked', 'no public key given: checkpoint signatures were not verified');
  }
  if (opts.publicKey && report.lastSeq > report.lastSignedSeq + 1) {
    issue(last.file, last.line, 'warning', 'unsigned_tail', `records after seq ${report.lastSignedSeq} are not covered by a verified checkpoint signature`);
  }
  report.ok = report.errors === 0;
  return report;
}

function parseRecord(text: string): (Parsed & { raw: Record<string, unknown> }) | 'json' | 'shape' {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'json';
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'shape';
  const r = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(r.seq) || typeof r.prev !== 'string' || typeof r.hash !== 'string' || !HEX64.test(r.hash)) return 'shape';
  const cp = r.kind === 'checkpoint' ? asCheckpoint(r.checkpoint) : undefined;
  if (r.kind === 'checkpoint' && !cp) return 'shape';
  return { seq: r.seq as number, time: typeof r.time === 'string' ? r.time : '', prev: r.prev, hash: r.hash, kind: String(r.kind), checkpoint: cp, raw: r };
}

function asCheckpoint(v: unknown): CheckpointInfo | undefined {
  const c = v as Partial<CheckpointInfo> | null;
  if (!c || typeof c !== 'object') return undefined;
  if (!Number.isSafeInteger(c.seq) || typeof c.hash !== 'string' || typeof c.jws !== 'string' || typeof c.kid !== 'string') return undefined;
  return c as CheckpointInfo;
}
