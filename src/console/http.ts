// Responses the console sends (security headers on every one), cookies, and the request bodies it reads.
import type { AdminRawResponse } from '../ports.js';
import { SluiceError } from '../errors.js';
import type { Html } from './html.js';

/**
 * No inline script, no third-party anything: scripts, styles and fetches from this origin only; Trusted Types so
 * the one place that turns server HTML into DOM is the only sink. Nothing may frame the console.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
  'trusted-types sluice-fragment',
].join('; ');

const SECURITY_HEADERS: Array<[string, string]> = [
  ['content-security-policy', CONSOLE_CSP],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  // Approval ids and session ids sit in console URLs: they must not leak to other sites.
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()'],
];

const NO_STORE: [string, string] = ['cache-control', 'no-store'];

export function page(status: number, body: Html, headers: Array<[string, string]> = []): AdminRawResponse {
  return { status, raw: body.value, contentType: 'text/html; charset=utf-8', headers: [...SECURITY_HEADERS, NO_STORE, ...headers] };
}

/** 303: after a form post the browser GETs the target (post/redirect/get). */
export function redirect(location: string, headers: Array<[string, string]> = [], status = 303): AdminRawResponse {
  return { status, raw: '', contentType: 'text/plain; charset=utf-8', headers: [...SECURITY_HEADERS, NO_STORE, ['location', location], ...headers] };
}

export function json(status: number, value: unknown, headers: Array<[string, string]> = []): AdminRawResponse {
  return { status, raw: JSON.stringify(value), contentType: 'application/json', headers: [...SECURITY_HEADERS, NO_STORE, ...headers] };
}

export function asset(body: string, contentType: string): AdminRawResponse {
  return { status: 200, raw: body, contentType, headers: [...SECURITY_HEADERS, ['cache-control', 'public, max-age=31536000, immutable']] };
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  secure: boolean;
  sameSite: 'Strict' | 'Lax';
  path: string;
}

export function setCookie(name: string, value: string, o: CookieOptions): [string, string] {
  const parts = [`${name}=${value}`, `Path=${o.path}`, 'HttpOnly', `SameSite=${o.sameSite}`];
  if (o.secure) parts.push('Secure');
  if (o.maxAgeSeconds !== undefined) parts.push(`Max-Age=${o.maxAgeSeconds}`);
  return ['set-cookie', parts.join('; ')];
}

export function clearCookie(name: string, o: Omit<CookieOptions, 'maxAgeSeconds'>): [string, string] {
  return setCookie(name, '', { ...o, maxAgeSeconds: 0 });
}

export function readCookie(headers: Record<string, string>, name: string): string | undefined {
  const raw = headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(/;\s*|,\s*/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const MAX_FORM_BYTES = 64 * 1024;

/** A urlencoded form or a JSON object, as string fields (JSON numbers and booleans kept). */
export function readFields(body: Uint8Array, contentType: string | undefined): Record<string, unknown> {
  if (body.byteLength > MAX_FORM_BYTES) throw new SluiceError('SLUICE_BODY_TOO_LARGE', `Console requests are at most ${MAX_FORM_BYTES} bytes`);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if ((contentType ?? '').startsWith('application/json')) {
    let v: unknown;
    try {
      v = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new SluiceError('SLUICE_BAD_JSON', 'body is not valid JSON');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SluiceError('SLUICE_BAD_REQUEST', 'body must be a JSON object');
    return v as Record<string, unknown>;
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export function splitPath(path: string): { path: string; query: URLSearchParams } {
  const i = path.indexOf('?');
  return i < 0 ? { path, query: new URLSearchParams() } : { path: path.slice(0, i), query: new URLSearchParams(path.slice(i + 1)) };
}
