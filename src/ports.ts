// The seams between the gateway and each step. gateway.ts orders the steps; main.ts plugs in implementations.
import type { RequestContext } from './context.js';
import type { Identity, Decision } from './types.js';
import type { InspectionProfile, InspectRequest, InspectResult } from './inspect/api.js';
import type { SluiceError } from './errors.js';

export interface AuthenticateStep {
  authenticate(headers: Record<string, string>, remoteAddress: string): Promise<Identity>;
}

/** What policy decided, for the gateway. Blocks and quota refusals are thrown as SluiceErrors. */
export interface Verdict extends Decision {
  approval?: { rule: string; mode: 'hold' | 'ticket'; timeoutSeconds: number };
  /** Per-identity cap on request body size, when policy sets one. */
  maxBodyBytes?: number;
  /** Headers to add to the response (rate-limit state). */
  responseHeaders?: Array<[string, string]>;
}

export interface PolicyStep {
  /** Detectors and actions for this caller on this connection, known before the body is scanned. */
  profileFor(identity: Identity, connection: string): InspectionProfile;
  /** Decide once findings are known. Throws SluiceError for block, missing justification, quota, forbidden model. */
  decide(ctx: RequestContext): Promise<Verdict>;
  /** Account usage after the exchange (token quotas). */
  record?(ctx: RequestContext): void;
  /**
   * For a routed request (docs/routing.md): whether it may go to `connection` as `model` (the resolved model) —
   * policy allows it there with the verdict it gave the logical model, and the body was inspected with that
   * connection's detectors.
   */
  targetCheck?(ctx: RequestContext, verdict: Verdict): (connection: string, model: string) => boolean;
}

export interface InspectStep {
  readonly ready: boolean;
  inspect(req: InspectRequest): Promise<InspectResult>;
}

export interface ApprovalStep {
  /** Resolves when approved (sets ctx.approver); throws SluiceError when denied, timed out or ticketed. */
  await(ctx: RequestContext, verdict: Verdict, onCancel: (cb: () => void) => void): Promise<void>;
}

export interface ResponseStep {
  /** A filter for the response body, or null to relay untouched. */
  filterFor(ctx: RequestContext, profile: InspectionProfile | undefined, status: number, headers: Record<string, string | string[] | undefined>): BodyFilter | null;
}

export interface AuditStep {
  /**
   * Called exactly once per exchange, on success and on every failure, before the client sees the end of the
   * response. Never throws. Returns a promise when the record must be durable before the response may end.
   */
  exchange(ctx: RequestContext): Promise<void> | undefined;
  /**
   * True while records cannot be made durable and `audit.onFailure` is `refuse`: new exchanges are answered 503
   * SLUICE_AUDIT_UNAVAILABLE before anything is forwarded. A returned exchange promise then rejects with that error.
   */
  readonly refusing: boolean;
}

/** An admin answer serialized as JSON (`body`). Headers may repeat a name (several `set-cookie`). */
export interface AdminJsonResponse {
  status: number;
  body: unknown;
  headers?: Array<[string, string]>;
}

/** An admin answer sent as is: HTML pages, stylesheets, scripts, redirects (the console). */
export interface AdminRawResponse {
  status: number;
  raw: string | Uint8Array;
  contentType: string;
  headers?: Array<[string, string]>;
  body?: undefined;
}

export type AdminResponse = AdminJsonResponse | AdminRawResponse;

/**
 * Admin/operator endpoints under `/sluice/` (approvals, shadow summary, console). Plain request → response, no
 * streaming: the main thread owns this state and HTTP threads forward such requests to it whole.
 */
export interface AdminRoutes {
  handle(ctx: RequestContext, body: Uint8Array): Promise<AdminResponse | null>;
}

/** One dependency a request needs, as /readyz reports it by name. */
export interface ReadinessCheck {
  name: string;
  check(): { ok: boolean; detail?: string };
}

/** Transforms the response body in flight (pingora's response_body_filter with an end flag). */
export interface BodyFilter {
  /**
   * `stream`: chunks are written as the filter releases them. `buffer`: the filter keeps the body itself (and
   * bounds it), `push` returns nothing, and `end` returns the whole body, sent with its length (JSON masking).
   */
  readonly mode: 'stream' | 'buffer';
  push(chunk: Uint8Array): Uint8Array[];
  end(): Uint8Array[];
  /** Bytes to append when the upstream fails mid-stream (e.g. a provider-shaped SSE error event). */
  fail?(err: SluiceError): Uint8Array[];
}
