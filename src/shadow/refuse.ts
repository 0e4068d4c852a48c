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

const CLASS_TEXT: Record<string, string> = {
  loopback: 'a loopback address',
  unspecified: 'an unspecified address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata address',
  private: 'a private address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  self: "one of Sluice's own listeners",
};

/**
 * A refusal of a destination (not of an LLM call): default-deny, a host rule, or a protected address. The
 * message names the destination as the caller wrote it and the kind of address, never the resolved address.
 */
export function egressDenied(authority: string, verdict: { rule: string; protectedClass?: string }): SluiceError {
  const why = verdict.protectedClass
    ? `it is ${CLASS_TEXT[verdict.protectedClass] ?? 'a protected address'}, reachable only when an egress.policy.hosts rule names it`
    : verdict.rule === 'default'
      ? 'no egress.policy.hosts rule allows it and the default is block'
      : `the egress rule ${verdict.rule} blocks it`;
  return new SluiceError('SLUICE_EGRESS_DENIED', `Sluice's egress proxy refuses ${authority}: ${why}.`);
}

/** The classification of a call refused before it could be classified (malformed target, proxy auth). */
export const NOT_CLASSIFIED = Object.freeze({ matched: false, signatures: [] as string[] });

/** The answer for a destination refused by policy or as a protected address. */
export function refusalError(host: string, port: number, c: { matched: boolean }, v: { rule: string; refusal?: string; protectedClass?: string }, advice: GatewayAdvice): SluiceError {
  // A shadow-AI call refused by policy is told where to send it instead; anything else is told why.
  if (c.matched && v.refusal !== 'protected') return blockError(host, 'policy', advice);
  return egressDenied(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, v);
}

export function unreachable(authority: string): SluiceError {
  return new SluiceError('SLUICE_UPSTREAM_UNREACHABLE', `Sluice's egress proxy could not resolve ${authority}.`);
}
