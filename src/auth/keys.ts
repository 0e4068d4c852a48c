// Where each issuer's verification keys come from: a static JWKS file, a remote JWKS URL, or OIDC discovery.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet, createRemoteJWKSet, customFetch, errors as jose,
  type FetchImplementation, type JSONWebKeySet, type JWTVerifyGetKey,
} from 'jose';
import { isTrustedFetchUrl, type IssuerConfig } from './config.js';
import { KeysUnavailable } from './failures.js';

export type FetchFn = typeof globalThis.fetch;

/** Longest wait before a failed discovery is retried, so an IdP blip does not lock everyone out for long. */
const DISCOVERY_RETRY_MS = 5000;

export function createKeySource(issuer: IssuerConfig, fetchFn?: FetchFn): JWTVerifyGetKey {
  if (issuer.jwksFile !== undefined) return fileKeys(issuer.jwksFile, issuer.jwksCooldownSeconds * 1000);
  if (issuer.jwksUri !== undefined) return remoteKeys(new URL(issuer.jwksUri), issuer, fetchFn);
  return discoveredKeys(issuer, fetchFn);
}

/** Read once at start (a missing file fails start); re-read when an unknown `kid` shows up, at most once per cooldown. */
function fileKeys(file: string, cooldownMs: number): JWTVerifyGetKey {
  let keys = createLocalJWKSet(parseJwks(readJwksFileSync(file), file));
  let loadedAt = Date.now();
  return async function getFileKey(header, token) {
    try {
      return await keys(header, token);
    } catch (err) {
      if (!(err instanceof jose.JWKSNoMatchingKey) || Date.now() - loadedAt < cooldownMs) throw err;
      loadedAt = Date.now();
      try {
        keys = createLocalJWKSet(parseJwks(await readFile(file, 'utf8'), file));
      } catch {
        throw err;
      }
      return keys(header, token);
    }
  };
}

function readJwksFileSync(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`jwksFile ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseJwks(text: string, file: string): JSONWebKeySet {
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new Error(`jwksFile ${file}: not valid JSON`);
  }
  if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as JSONWebKeySet).keys)) {
    throw new Error(`jwksFile ${file}: expected a JSON Web Key Set ({"keys": [...]})`);
  }
  return jwks as JSONWebKeySet;
}

/** jose caches the set, refetches when stale, and refetches for an unknown `kid` only after the cooldown. */
function remoteKeys(url: URL, issuer: IssuerConfig, fetchFn: FetchFn | undefined): JWTVerifyGetKey {
  const set = createRemoteJWKSet(url, {
    cooldownDuration: issuer.jwksCooldownSeconds * 1000,
    cacheMaxAge: issuer.jwksMaxAgeSeconds * 1000,
    timeoutDuration: issuer.fetchTimeoutMs,
    ...(fetchFn ? { [customFetch]: fetchFn as FetchImplementation } : {}),
  });
  return async function getRemoteKey(header, token) {
    try {
      return await set(header, token);
    } catch (err) {
      throw isKeySelectionError(err) ? err : new KeysUnavailable(reasonOf(err));
    }
  };
}

/** Errors about the token's choice of key (the caller's problem) versus failing to get the keys (ours). */
function isKeySelectionError(err: unknown): boolean {
  return (
    err instanceof jose.JWKSNoMatchingKey ||
    err instanceof jose.JWKSMultipleMatchingKeys ||
    err instanceof jose.JOSENotSupported ||
    err instanceof jose.JOSEAlgNotAllowed
  );
}

function discoveredKeys(issuer: IssuerConfig, fetchFn: FetchFn | undefined): JWTVerifyGetKey {
  let pending: Promise<JWTVerifyGetKey> | undefined;
  let failedAt = -Infinity;
  const retryMs = Math.min(issuer.jwksCooldownSeconds * 1000, DISCOVERY_RETRY_MS);
  return async function getDiscoveredKey(header, token) {
    if (pending === undefined) {
      if (Date.now() - failedAt < retryMs) throw new KeysUnavailable('discovery failed recently');
      pending = discoverJwksUri(issuer, fetchFn).then((uri) => remoteKeys(uri, issuer, fetchFn));
      pending.catch(() => {
        pending = undefined;
        failedAt = Date.now();
      });
    }
    const getKey = await pending;
    return getKey(header, token);
  };
}

/** OpenID Connect Discovery 1.0 §4: the document's `issuer` must equal the configured one exactly. */
async function discoverJwksUri(issuer: IssuerConfig, fetchFn: FetchFn = globalThis.fetch): Promise<URL> {
  const url = `${issuer.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: unknown;
  try {
    const res = await fetchFn(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(issuer.fetchTimeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new KeysUnavailable(`discovery status ${res.status}`);
    }
    doc = await res.json();
  } catch (err) {
    throw err instanceof KeysUnavailable ? err : new KeysUnavailable(`discovery ${reasonOf(err)}`);
  }
  const meta = (doc ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
  if (meta.issuer !== issuer.issuer) throw new KeysUnavailable('discovery issuer mismatch');
  if (typeof meta.jwks_uri !== 'string' || !URL.canParse(meta.jwks_uri)) throw new KeysUnavailable('discovery without jwks_uri');
  const jwksUri = new URL(meta.jwks_uri);
  if (!isTrustedFetchUrl(jwksUri)) throw new KeysUnavailable('discovery jwks_uri is not https');
  return jwksUri;
}

function reasonOf(err: unknown): string {
  if (err instanceof jose.JOSEError) return err.code;
  return err instanceof Error ? err.name : 'error';
}
