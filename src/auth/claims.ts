// Reading identity fields out of verified claims and request headers.
import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { IssuerConfig } from './config.js';

/** Header values Sluice accepts as ids: short, printable, no separators that could forge log fields. */
const SANE_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The part of an identity that comes from the token alone, so it can be cached per token. */
export interface TokenIdentity {
  subject: string;
  groups: readonly string[];
  job?: string;
  jti?: string;
  issuer: string;
  /** Seconds since the epoch. */
  exp: number;
}

/**
 * A claim by dot path. A key that itself contains dots (Auth0-style `https://example.com/groups`)
 * is tried whole first.
 */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Groups as a list: an array keeps its strings; a string is read as space-separated (like `scope`). */
export function groupsFrom(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '');
  if (typeof value === 'string') return value.split(/\s+/).filter((g) => g !== '');
  return [];
}

/** Returns undefined when the token has no usable subject. */
export function tokenIdentity(payload: JWTPayload, issuer: IssuerConfig): TokenIdentity | undefined {
  const subject = claimAt(payload, issuer.subjectClaim);
  if (typeof subject !== 'string' || subject === '' || typeof payload.exp !== 'number') return undefined;
  let job: string | undefined;
  for (const claim of issuer.jobClaim) {
    const v = claimAt(payload, claim);
    if (typeof v === 'string' && v !== '') {
      job = v;
      break;
    }
  }
  return Object.freeze({
    subject,
    groups: Object.freeze(groupsFrom(claimAt(payload, issuer.groupsClaim))),
    job,
    jti: typeof payload.jti === 'string' ? payload.jti : undefined,
    issuer: issuer.issuer,
    exp: payload.exp,
  });
}

/** The client's session id when it sent a sane one, else a fresh one for this request. */
export function sessionFrom(headers: Record<string, string>): string {
  const s = headers['x-sluice-session'];
  return s !== undefined && SANE_ID_RE.test(s) ? s : randomUUID();
}

/** The `x-sluice-job` header, when trusted and sane. */
export function jobHeader(headers: Record<string, string>, allowed: boolean): string | undefined {
  if (!allowed) return undefined;
  const j = headers['x-sluice-job'];
  return j !== undefined && SANE_ID_RE.test(j) ? j : undefined;
}
