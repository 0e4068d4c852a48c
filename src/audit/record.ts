// One audit record per exchange (and per auth failure, egress-proxy call, approval event, checkpoint).
// Records hold masked text and finding summaries only: raw detected values never reach this module.
import type { AuditDecision, FindingSummary, TokenUsage } from '../types.js';
import type { RequestContext } from '../context.js';
import { isUtf8 } from 'node:buffer';

/** `gap`: written by the writer when records had to be dropped (disk full, backlog): `audit verify` reports it. */
export type AuditKind = 'exchange' | 'checkpoint' | 'auth_failure' | 'shadow' | 'egress' | 'approval' | 'console' | 'gap';

export interface AuditIdentity {
  subject: string;
  groups: string[];
  job: string | null;
  session: string;
}

export type CaptureMode = 'full' | 'truncated' | 'none';

/** A masked body as stored: `mode` says what was kept; `bytes` is the size of the whole masked body. */
export interface BodyCapture {
  mode: CaptureMode;
  bytes: number;
  text?: string;
  /**
   * Instead of `text`, in records on their way to the writer: the kept bytes, when they decode to exactly that text
   * (valid UTF-8, no BOM). The writer escapes them into the line without decoding (src/audit/serialize.ts); files
   * always hold `text`.
   */
  raw?: Uint8Array;
}

export interface AuditLatency {
  authMs: number | null;
  inspectMs: number | null;
  upstreamMs: number | null;
  approvalMs: number | null;
  totalMs: number | null;
  overheadMs: number | null;
}

export interface AuditRouting {
  /** The model the routes resolved the request's `model` (or alias) to. */
  logical: string;
  /** Connection and model of the target whose answer the client got (the last one tried when none answered). */
  connection: string | null;
  model: string | null;
  attempts: Array<{ connection: string; model: string; status: number | null; error: string | null; ms: number; outcome: string }>;
}

/** What a checkpoint signs: the seq and hash of an earlier record, as a compact JWS (Ed25519). */
export interface CheckpointInfo {
  seq: number;
  hash: string;
  kid: string;
  jws: string;
}

export interface AuditRecord {
  v: 1;
  kind: AuditKind;
  seq: number;
  /** ISO-8601 time the record was written (the end of the exchange). */
  time: string;
  requestId: string | null;
  identity: AuditIdentity | null;
  source: string | null;
  connection: string | null;
  route: string | null;
  model: string | null;
  stream: boolean | null;
  decision: AuditDecision | null;
  approvalId: string | null;
  approver: string | null;
  justification: string | null;
  findings: FindingSummary[];
  request: BodyCapture;
  response: BodyCapture;
  usage: TokenUsage | null;
  status: number | null;
  error: string | null;
  aborted: boolean;
  latency: AuditLatency | null;
  /** Small kind-specific facts (e.g. the host of a shadow call). Never raw data. */
  detail: Record<string, string | number | boolean> | null;
  /** Routed models only (docs/routing.md): the logical model, the target that answered and every attempt. */
  routing?: AuditRouting;
  /** The exchange's cost by the price table: amount in `currency`, and the table entry (`price`) that priced it. */
  cost?: { amount: number; currency: string; price: string };
  checkpoint?: CheckpointInfo;
  /** Hex SHA-256 of the previous record's canonical form (64 zeros for the first record ever). */
  prev: string;
  /** Hex SHA-256 of this record's canonical form without `hash`. */
  hash: string;
}

/** What callers hand to the writer: the writer assigns `v`, `seq`, `prev`, `hash` and fills defaults. */
export type AuditRecordInput = Partial<Omit<AuditRecord, 'v' | 'seq' | 'prev' | 'hash' | 'kind'>> & {
  kind: Exclude<AuditKind, 'checkpoint'>;
};

export const GENESIS_HASH = '0'.repeat(64);

export interface CaptureOptions {
  mode: CaptureMode;
  /** Bytes kept in `truncated` mode (cut back to a UTF-8 character boundary). */
  truncateBytes: number;
}

export interface ExchangeRecordOptions {
  request: CaptureOptions;
  response: CaptureOptions;
  kind?: Exclude<AuditKind, 'checkpoint'>;
  now?: Date;
}

export const DEFAULT_CAPTURE: Readonly<CaptureOptions> = Object.freeze({ mode: 'truncated', truncateBytes: 8192 });

/** Maps the shared request context to a record draft. Audit runs on success and on error, so nothing is assumed set. */
export function buildExchangeRecord(ctx: RequestContext, opts: ExchangeRecordOptions): AuditRecordInput {
  const id = ctx.identity;
  return {
    kind: opts.kind ?? inferKind(ctx),
    time: (opts.now ?? new Date()).toISOString(),
    requestId: ctx.id,
    identity: id ? { subject: id.subject, groups: [...id.groups], job: id.job ?? null, session: id.session } : null,
    source: ctx.remoteAddress || null,
    connection: ctx.route?.connection ?? null,
    route: ctx.route?.route ?? null,
    model: ctx.model ?? null,
    stream: ctx.stream,
    decision: ctx.auditDecision ?? inferDecision(ctx),
    approvalId: ctx.approvalId ?? null,
    approver: ctx.approver ?? null,
    justification: ctx.justification ?? null,
    findings: ctx.findingSummary.map(summaryOnly),
    request: captureBytes(ctx.maskedRequest, opts.request),
    response: typeof ctx.maskedResponse === 'object' ? captureBytes(ctx.maskedResponse, opts.response) : captureText(ctx.maskedResponse, opts.response),
    usage: ctx.usage ? { ...ctx.usage } : null,
    status: ctx.status ?? ctx.error?.status ?? null,
    error: ctx.error?.code ?? null,
    aborted: ctx.clientAborted,
    latency: latencyOf(ctx),
    ...(ctx.routing ? { routing: routingOf(ctx.routing) } : {}),
    ...(ctx.cost ? { cost: { ...ctx.cost } } : {}),
  };
}

function routingOf(r: NonNullable<RequestContext['routing']>): AuditRouting {
  return {
    logical: r.logical,
    connection: r.connection ?? null,
    model: r.model ?? null,
    attempts: r.attempts.map((a) => ({ connection: a.connection, model: a.model, status: a.status, error: a.error, ms: a.ms, outcome: a.outcome })),
  };
}

function inferKind(ctx: RequestContext): 'exchange' | 'auth_failure' {
  return !ctx.identity && ctx.error?.code.startsWith('SLUICE_AUTH_') ? 'auth_failure' : 'exchange';
}

const REWRITING = new Set(['mask', 'redact', 'tokenize', 'hash']);

/** Fallback when the gateway did not set `auditDecision` itself. */
function inferDecision(ctx: RequestContext): AuditDecision {
  if (ctx.decision?.outcome === 'block') return 'blocked';
  if (ctx.error) return ctx.error.code === 'SLUICE_APPROVAL_DENIED' ? 'denied' : 'failed';
  if (ctx.decision?.outcome === 'approve') return ctx.approver ? 'approved' : 'held';
  return ctx.findingSummary.some((f) => REWRITING.has(f.action)) ? 'masked' : 'allowed';
}

// Copies only the summary fields, so nothing else a caller hung on a finding can leak into the log.
function summaryOnly(f: FindingSummary): FindingSummary {
  return { detector: f.detector, type: f.type, action: f.action, count: f.count };
}

function latencyOf(ctx: RequestContext): AuditLatency {
  const t = ctx.timings;
  return {
    authMs: ms(t.authMs),
    inspectMs: ms(t.inspectMs),
    upstreamMs: ms(t.upstreamMs),
    approvalMs: ms(t.approvalMs),
    totalMs: ms(t.totalMs ?? performance.now() - t.start),
    overheadMs: ms(t.overheadMs),
  };
}

// Microsecond precision is plenty and keeps lines short.
function ms(v: number | undefined): number | null {
  return v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function captureBytes(body: Uint8Array | undefined, opts: CaptureOptions): BodyCapture {
  if (!body) return { mode: 'none', bytes: 0 };
  if (opts.mode === 'none') return { mode: 'none', bytes: body.byteLength };
  if (opts.mode === 'full' || body.byteLength <= opts.truncateBytes) return kept('full', body.byteLength, body);
  const end = utf8Boundary(body, opts.truncateBytes);
  return kept('truncated', body.byteLength, body.subarray(0, end));
}

/** Bytes the decoder would change (invalid sequences → U+FFFD, a leading BOM dropped) are decoded here instead. */
function kept(mode: CaptureMode, bytes: number, text: Uint8Array): BodyCapture {
  const bom = text.length >= 3 && text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf;
  if (!bom && isUtf8(text)) return { mode, bytes, raw: text };
  return { mode, bytes, text: decoder.decode(text) };
}

export function captureText(text: string | undefined, opts: CaptureOptions): BodyCapture {
  if (text === undefined) return { mode: 'none', bytes: 0 };
  // Only encode when a cut may be needed: most responses are far below the limit in characters too.
  if (opts.mode === 'none') return { mode: 'none', bytes: Buffer.byteLength(text) };
  if (opts.mode === 'full' || text.length * 3 <= opts.truncateBytes) {
    return { mode: 'full', bytes: Buffer.byteLength(text), text };
  }
  return captureBytes(Buffer.from(text, 'utf8'), opts);
}

/** Largest index <= limit that does not split a UTF-8 sequence. */
function utf8Boundary(bytes: Uint8Array, limit: number): number {
  let end = limit;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return end;
}
