// Coded errors → HTTP status + the provider's own error shape, so SDKs surface them normally.
import type { ProviderKind } from './types.js';

export type ErrorSource = 'client' | 'upstream' | 'internal';

interface ErrorSpec {
  status: number;
  source: ErrorSource;
  /** OpenAI `error.type` / Anthropic `error.type`. */
  openai: string;
  anthropic: string;
}

const spec = (status: number, source: ErrorSource, openai: string, anthropic: string): ErrorSpec =>
  Object.freeze({ status, source, openai, anthropic });

/** Every code Sluice can answer with. docs/errors.md lists them; keep both in sync. */
export const ERRORS = Object.freeze({
  SLUICE_BAD_JSON: spec(400, 'client', 'invalid_request_error', 'invalid_request_error'),
  SLUICE_BAD_REQUEST: spec(400, 'client', 'invalid_request_error', 'invalid_request_error'),
  SLUICE_AUTH_MISSING: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_AUTH_INVALID: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_AUTH_EXPIRED: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_AUTH_NOT_YET_VALID: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_AUTH_BAD_SIGNATURE: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_AUTH_UNKNOWN_ISSUER: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_AUTH_WRONG_AUDIENCE: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_AUTH_UNKNOWN_KEY: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_AUTH_ALG_NOT_ALLOWED: spec(401, 'client', 'invalid_request_error', 'authentication_error'),
  SLUICE_FORBIDDEN: spec(403, 'client', 'permission_error', 'permission_error'),
  SLUICE_POLICY_BLOCKED: spec(403, 'client', 'permission_error', 'permission_error'),
  SLUICE_EGRESS_DENIED: spec(403, 'client', 'permission_error', 'permission_error'),
  SLUICE_APPROVAL_DENIED: spec(403, 'client', 'permission_error', 'permission_error'),
  SLUICE_APPROVAL_REQUIRED: spec(403, 'client', 'permission_error', 'permission_error'),
  SLUICE_APPROVAL_TIMEOUT: spec(403, 'client', 'permission_error', 'permission_error'),
  SLUICE_JUSTIFICATION_REQUIRED: spec(400, 'client', 'invalid_request_error', 'invalid_request_error'),
  SLUICE_APPROVAL_CONFLICT: spec(409, 'client', 'invalid_request_error', 'invalid_request_error'),
  SLUICE_NOT_FOUND: spec(404, 'client', 'invalid_request_error', 'not_found_error'),
  SLUICE_METHOD_NOT_ALLOWED: spec(405, 'client', 'invalid_request_error', 'invalid_request_error'),
  SLUICE_BODY_TOO_LARGE: spec(413, 'client', 'invalid_request_error', 'request_too_large'),
  SLUICE_HEADERS_TOO_LARGE: spec(431, 'client', 'invalid_request_error', 'invalid_request_error'),
  SLUICE_QUOTA_EXCEEDED: spec(429, 'client', 'rate_limit_exceeded', 'rate_limit_error'),
  SLUICE_BUDGET_EXCEEDED: spec(429, 'client', 'insufficient_quota', 'rate_limit_error'),
  SLUICE_OVERLOADED: spec(503, 'internal', 'server_error', 'overloaded_error'),
  SLUICE_INSPECTION_FAILED: spec(503, 'internal', 'server_error', 'api_error'),
  SLUICE_UPSTREAM_UNREACHABLE: spec(502, 'upstream', 'server_error', 'api_error'),
  SLUICE_UPSTREAM_RESET: spec(502, 'upstream', 'server_error', 'api_error'),
  SLUICE_UPSTREAM_TIMEOUT: spec(504, 'upstream', 'server_error', 'api_error'),
  SLUICE_AUTH_UNAVAILABLE: spec(503, 'upstream', 'server_error', 'api_error'),
  SLUICE_SHUTTING_DOWN: spec(503, 'internal', 'server_error', 'overloaded_error'),
  SLUICE_INTERNAL: spec(500, 'internal', 'server_error', 'api_error'),
  SLUICE_AUDIT_UNAVAILABLE: spec(503, 'internal', 'server_error', 'api_error'),
  SLUICE_UPSTREAM_BUSY: spec(503, 'upstream', 'server_error', 'overloaded_error'),
  SLUICE_ROUTE_UNAVAILABLE: spec(503, 'upstream', 'server_error', 'overloaded_error'),
  // Never sent (the client is gone): it names the outcome in the audit record and metrics (nginx's 499).
  SLUICE_CLIENT_ABORTED: spec(499, 'client', 'invalid_request_error', 'invalid_request_error'),
});

export type ErrorCode = keyof typeof ERRORS;

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly source: ErrorSource;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Record<string, string>;
  /** Extra fields for the error body (e.g. approval_id). Must never contain secrets or raw data. */
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { headers?: Record<string, string>; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.source = ERRORS[code].source;
    this.headers = opts.headers ?? {};
    this.details = opts.details ?? {};
  }
}

/** Anything thrown becomes a SluiceError; unknown errors hide their message (it may hold internals). */
export function toSluiceError(err: unknown): SluiceError {
  if (err instanceof SluiceError) return err;
  return new SluiceError('SLUICE_INTERNAL', 'Internal gateway error', { cause: err });
}

/** The provider-shaped JSON body for an error. */
export function errorBody(err: SluiceError, kind: ProviderKind): string {
  const s = ERRORS[err.code];
  if (kind === 'anthropic') {
    return JSON.stringify({
      type: 'error',
      error: { type: s.anthropic, message: err.message, code: err.code, ...err.details },
    });
  }
  return JSON.stringify({
    error: { message: err.message, type: s.openai, param: null, code: err.code, ...err.details },
  });
}
