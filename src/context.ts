// The per-request context every step shares (pingora's CTX): created once in gateway.ts.
import type { Decision, Finding, FindingSummary, Identity, ProviderKind, TokenUsage, AuditDecision } from './types.js';
import type { SluiceError } from './errors.js';
import type { AuditCopies, InspectionProfile } from './inspect/api.js';
import type { ExchangeTrace } from './observe/tracing.js';

export interface RouteMatch {
  /** Connection name from config. */
  connection: string;
  provider: ProviderKind;
  /** Canonical route, e.g. `chat.completions`, `messages`. */
  route: string;
  /** Path to request upstream, relative to the connection's base URL (e.g. `/chat/completions`). */
  upstreamPath: string;
  /** Query string without `?`, forwarded as is. */
  query: string;
  method: string;
  /** Whether the route carries a JSON body worth inspecting. */
  inspect: boolean;
}

/** One try at one target of a routed model, as the audit record lists it. */
export interface RouteAttempt {
  connection: string;
  model: string;
  /** Upstream status, or null when there was no response (connect error, reset, timeout). */
  status: number | null;
  error: string | null;
  ms: number;
  /** `retried`: another attempt followed; `committed`: its response went to the client; `failed`: the exchange failed. */
  outcome: 'committed' | 'retried' | 'failed';
}

/** Set when the request's model is routed (`routes.models`): what it asked for, where it went, every try. */
export interface RoutingInfo {
  /** The logical model (an alias resolved to the model it names). */
  logical: string;
  /** The target whose response the client got (or the last one tried). */
  connection?: string;
  model?: string;
  attempts: RouteAttempt[];
}

export interface Timings {
  start: number;
  authMs?: number;
  inspectMs?: number;
  /** Time from sending upstream to the upstream's response headers. */
  upstreamHeadersMs?: number;
  upstreamMs?: number;
  totalMs?: number;
  /** Sluice's own time: total minus time waiting on upstream and on approval. */
  overheadMs?: number;
  approvalMs?: number;
  /** Streams: from the start to the first response body bytes sent to the client (time to first token). */
  firstBytesMs?: number;
}

export interface RequestContext {
  id: string;
  method: string;
  path: string;
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  remoteAddress: string;
  route?: RouteMatch;
  identity?: Identity;
  /** Model named in the request body, when the body is JSON and has one. */
  model?: string;
  /** Tool/function names declared or called in the request. */
  tools?: string[];
  /** Whether the client asked for usage in the stream (`stream_options.include_usage`). */
  includeUsage?: boolean;
  /** Tokens Sluice issued for this request (for restore in the response). Raw values: never logged. */
  issuedTokens?: Array<{ token: string; value: string }>;
  /** Tokens issued earlier in the session, preloaded from a shared vault before the response is relayed. */
  sessionTokens?: Map<string, string>;
  stream: boolean;
  justification?: string;
  findings: Finding[];
  /** Detectors and actions that applied to this caller (set before the body is scanned). */
  profile?: InspectionProfile;
  findingSummary: FindingSummary[];
  decision?: Decision;
  auditDecision?: AuditDecision;
  approvalId?: string;
  approver?: string;
  /** Masked request body as forwarded (kept for audit, truncated there per config). */
  maskedRequest?: Uint8Array;
  /**
   * Copies of the masked request the audit record may keep, prepared by the inspection pool for large bodies:
   * `leak` with unrewritten findings redacted, `strict` with every detector redacted (a refused caller). Either may be
   * `maskedRequest` itself when redacting changed nothing. Absent: the audit step redacts inline (small bodies).
   */
  auditRequest?: AuditCopies;
  /**
   * Masked response as relayed (bounded, for audit): the text of a stream, or the bytes of a buffered JSON body (kept
   * as bytes so the audit writer escapes them without a decoded copy).
   */
  maskedResponse?: string | Uint8Array;
  usage?: TokenUsage;
  /** What the exchange cost by the price table (`spend`), when its model has a price and usage was reported. */
  cost?: { amount: number; currency: string; price: string };
  routing?: RoutingInfo;
  status?: number;
  error?: SluiceError;
  /** Set when the client went away before the exchange completed. */
  clientAborted: boolean;
  timings: Timings;
  /** The exchange's spans, only while tracing is on (never set otherwise: the context keeps its shape). */
  trace?: ExchangeTrace;
}

export function createContext(init: {
  id: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  remoteAddress: string;
}): RequestContext {
  // Every member the steps may set is declared here, in one order: each context then has the same hidden class from
  // the start, and the steps' stores are plain field writes instead of shape transitions (issue 13 §2: these showed as
  // microseconds per request in the CPU profile). `trace` stays absent unless tracing records (tracing.ts).
  return {
    id: init.id,
    method: init.method,
    path: init.path,
    headers: init.headers,
    remoteAddress: init.remoteAddress,
    route: undefined,
    identity: undefined,
    model: undefined,
    tools: undefined,
    includeUsage: undefined,
    issuedTokens: undefined,
    sessionTokens: undefined,
    stream: false,
    justification: undefined,
    findings: [],
    profile: undefined,
    findingSummary: [],
    decision: undefined,
    auditDecision: undefined,
    approvalId: undefined,
    approver: undefined,
    maskedRequest: undefined,
    auditRequest: undefined,
    maskedResponse: undefined,
    usage: undefined,
    cost: undefined,
    routing: undefined,
    status: undefined,
    error: undefined,
    clientAborted: false,
    timings: { start: performance.now(), authMs: undefined, inspectMs: undefined, upstreamHeadersMs: undefined, upstreamMs: undefined, totalMs: undefined, overheadMs: undefined, approvalMs: undefined, firstBytesMs: undefined },
  };
}
