// What a refused caller reads: the provider's error shape (so SDKs surface it) and a message naming the
// Sluice endpoint to use instead — the fix is one base-URL change, so say exactly which.
import { STATUS_CODES } from 'node:http';
import { SluiceError, errorBody } from '../errors.js';

export interface GatewayAdvice {
  gatewayUrl?: string;
  /** Gateway path prefixes, e.g. { openai: '/v1', anthropic: '/anthropic/v1' }. */
  routes: { openai: string; anthropic: string };
}

export type RefusalReason = 'policy' | 'https-route' | 'unroutable';

export function useInstead(a: GatewayAdvice): string {
  if (!a.gatewayUrl) return 'Send LLM traffic through your Sluice gateway instead.';
  // SDK base URLs: OpenAI clients include `/v1`, Anthropic clients append `/v1/messages` themselves.
  const openai = `${a.gatewayUrl}${a.routes.openai}`;
  const anthropic = `${a.gatewayUrl}${a.routes.anthropic.replace(/\/v1$/, '')}`;
  return `Send LLM traffic through Sluice instead: set your client's base URL to ${openai} (OpenAI-compatible) or ${anthropic} (Anthropic) and authenticate with your Sluice token.`;
}

export function blockError(host: string, reason: RefusalReason, advice: GatewayAdvice): SluiceError {
  const why =
    reason === 'policy'
      ? `Direct calls to ${host} are blocked by Sluice's egress policy.`
      : reason === 'https-route'
        ? `HTTPS calls to ${host} cannot be routed through Sluice by the egress proxy (it does not intercept TLS).`
        : `This call to ${host} has no equivalent Sluice route, so it cannot be routed and is blocked.`;
  return new SluiceError('SLUICE_POLICY_BLOCKED', `${why} ${useInstead(advice)}`);
}

/** Anthropic-shaped errors for Anthropic-looking calls, OpenAI-shaped for everything else. */
export function errorKind(provider: string | undefined, path: string | undefined): 'openai' | 'anthropic' {
  return provider === 'anthropic' || (path !== undefined && /\/v1\/messages(\/|$)/.test(path)) ? 'anthropic' : 'openai';
}

/** Status for a proxy refusal: a 401 from the authenticator means the proxy credentials, so 407. */
export function proxyStatus(err: SluiceError): number {
  return err.status === 401 ? 407 : err.status;
}

/** A complete HTTP/1.1 response for a raw socket (CONNECT refusals happen before any HTTP object exists). */
export function rawResponse(err: SluiceError, kind: 'openai' | 'anthropic'): string {
  const status = proxyStatus(err);
  const body = errorBody(err, kind);
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...err.headers };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}
