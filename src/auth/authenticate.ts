// authenticate: credential → Identity. Service keys by hash, JWTs by issuer/alg/signature/claims,
// with verified tokens cached until expiry so the hot path is one SHA-256 and a map lookup.
import { hash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { Identity } from '../types.js';
import type { IdentityConfig, IssuerConfig } from './config.js';
import { createKeySource, type FetchFn } from './keys.js';
import { createServiceKeyTable } from './service-keys.js';
import { createExpiringLru } from './lru.js';
import { jobHeader, sessionFrom, tokenIdentity, type TokenIdentity } from './claims.js';
import { authFailure, fromVerifyError } from './failures.js';

export interface AuthenticatorOptions {
  /** Used for OIDC discovery and remote JWKS (tests, proxies). Defaults to the global fetch. */
  fetch?: FetchFn;
  /** Clock in ms since the epoch, shared by the cache and jose's claim checks. */
  now?: () => number;
}

export interface AuthStats {
  /** Signature verifications attempted (cache misses that reached jose). */
  verifications: number;
  cacheHits: number;
  serviceKeyHits: number;
}

export interface Authenticator {
  /** `headers` lower-cased; `remote` is the client address (service keys may be bound to networks). */
  authenticate(headers: Record<string, string>, remote: string): Promise<Identity>;
  stats(): AuthStats;
  close(): void;
}

interface TrustedIssuer {
  config: IssuerConfig;
  getKey: JWTVerifyGetKey;
  verifyOptions: JWTVerifyOptions;
}

/** Far above any real JWT; bounds the hashing and decoding work a hostile header can cause. */
const MAX_TOKEN_CHARS = 16 * 1024;
const JWT_SHAPE_RE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export function createAuthenticator(cfg: IdentityConfig, opts: AuthenticatorOptions = {}): Authenticator {
  const now = opts.now ?? Date.now;
  const issuers = new Map<string, TrustedIssuer>(cfg.issuers.map((i) => [i.issuer, trustIssuer(i, cfg, opts.fetch)]));
  const serviceKeys = createServiceKeyTable(cfg.serviceKeys);
  const cache = createExpiringLru<TokenIdentity>(cfg.cache.maxEntries);
  // Concurrent first requests with one token (a job starting 200 streams) share one verification.
  const inflight = new Map<string, Promise<TokenIdentity>>();
  const skewMs = cfg.clockSkewSeconds * 1000;
  const counts: AuthStats = { verifications: 0, cacheHits: 0, serviceKeyHits: 0 };

  async function authenticate(headers: Record<string, string>, remote: string): Promise<Identity> {
    const token = credentialFrom(headers);
    // One-shot: no Hash object per request (the cache lookup is on every request's path).
    const digest = hash('sha256', token, 'buffer');
    const hex = digest.toString('hex');
    const key = serviceKeys.find(digest, hex, remote);
    if (key !== undefined) {
      counts.serviceKeyHits++;
      const job = key.job ?? jobHeader(headers, cfg.allowJobHeader);
      return { subject: key.subject, groups: [...key.groups], job, session: sessionFrom(headers), via: 'service-key' };
    }
    if (!JWT_SHAPE_RE.test(token)) throw authFailure('SLUICE_AUTH_UNKNOWN_KEY', 'not a known service key');
    let ti = cache.get(hex, now());
    if (ti !== undefined) counts.cacheHits++;
    else ti = await verifyOnce(token, hex);
    return {
      subject: ti.subject,
      groups: [...ti.groups],
      job: ti.job ?? jobHeader(headers, cfg.allowJobHeader),
      session: sessionFrom(headers),
      jti: ti.jti,
      issuer: ti.issuer,
      via: 'jwt',
    };
  }

  function verifyOnce(token: string, hex: string): Promise<TokenIdentity> {
    let p = inflight.get(hex);
    if (p === undefined) {
      p = verify(token, hex).finally(() => inflight.delete(hex));
      inflight.set(hex, p);
    }
    return p;
  }

  async function verify(token: string, hex: string): Promise<TokenIdentity> {
    const trusted = preselect(token, issuers);
    counts.verifications++;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, trusted.getKey, { ...trusted.verifyOptions, currentDate: new Date(now()) }));
    } catch (err) {
      throw fromVerifyError(err);
    }
    const ti = tokenIdentity(payload, trusted.config);
    if (ti === undefined) throw authFailure('SLUICE_AUTH_INVALID', 'no subject');
    cache.set(hex, ti, ti.exp * 1000 + skewMs);
    return ti;
  }

  return {
    authenticate,
    stats: function stats() {
      return { ...counts };
    },
    close: function close() {
      cache.clear();
      inflight.clear();
    },
  };
}

function trustIssuer(config: IssuerConfig, cfg: IdentityConfig, fetchFn: FetchFn | undefined): TrustedIssuer {
  return {
    config,
    getKey: createKeySource(config, fetchFn),
    verifyOptions: {
      issuer: config.issuer,
      audience: [...config.audience],
      algorithms: [...config.algorithms],
      clockTolerance: cfg.clockSkewSeconds,
      requiredClaims: ['exp'],
    },
  };
}

/**
 * Picks the issuer by the unverified `iss` and refuses disallowed algorithms before any key is
 * fetched, so forged tokens cannot make Sluice call an IdP.
 */
function preselect(token: string, issuers: Map<string, TrustedIssuer>): TrustedIssuer {
  let alg: unknown;
  let iss: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
    iss = decodeJwt(token).iss;
  } catch {
    throw authFailure('SLUICE_AUTH_INVALID', 'malformed');
  }
  const trusted = typeof iss === 'string' ? issuers.get(iss) : undefined;
  if (trusted === undefined) throw authFailure('SLUICE_AUTH_UNKNOWN_ISSUER');
  if (typeof alg !== 'string' || !trusted.config.algorithms.includes(alg)) throw authFailure('SLUICE_AUTH_ALG_NOT_ALLOWED');
  return trusted;
}

/** Authorization: Bearer first (OpenAI SDKs), then x-api-key (Anthropic SDKs). */
function credentialFrom(headers: Record<string, string>): string {
  const auth = headers.authorization;
  if (auth !== undefined && auth.trim() !== '') {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (m === null) throw authFailure('SLUICE_AUTH_INVALID', 'not a bearer credential');
    return bounded(m[1]);
  }
  const key = headers['x-api-key']?.trim();
  if (key) return bounded(key);
  throw authFailure('SLUICE_AUTH_MISSING');
}

function bounded(token: string): string {
  if (token.length > MAX_TOKEN_CHARS) throw authFailure('SLUICE_AUTH_INVALID', 'too long');
  return token;
}
