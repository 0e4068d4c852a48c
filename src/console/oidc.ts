// The console's OpenID Connect client: authorization code flow with PKCE (S256), state and nonce. The ID token
// proves the sign-in (issuer, audience = our client id, nonce, signature); the access token is then authenticated
// exactly as the reviewer API authenticates a bearer token, so both see the same identity.
import { createHash } from 'node:crypto';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { SluiceError } from '../errors.js';
import type { Identity } from '../types.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  scopes: readonly string[];
  /** Both set: no discovery (the demo issuer). Otherwise read from `<issuer>/.well-known/openid-configuration`. */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  algorithms: readonly string[];
  clockSkewSeconds: number;
  fetchTimeoutMs: number;
}

export interface OidcDeps {
  settings: () => OidcSettings;
  /** The issuer's signing keys (the same key source the gateway uses for its tokens). */
  keys: JWTVerifyGetKey;
  authenticate: (headers: Record<string, string>, remote: string) => Promise<Identity>;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface OidcClient {
  authorizationUrl(state: string, nonce: string, verifier: string): Promise<string>;
  /** Code → tokens → verified identity. Throws SluiceError (401/502) with a message safe to show. */
  finish(code: string, verifier: string, nonce: string, remote: string): Promise<Identity>;
}

interface Endpoints {
  authorization: string;
  token: string;
}

export const pkceChallenge = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

export function createOidcClient(deps: OidcDeps): OidcClient {
  const fetchFn = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;
  let discovered: { issuer: string; at: number; endpoints: Endpoints } | undefined;

  async function endpoints(s: OidcSettings): Promise<Endpoints> {
    if (s.authorizationEndpoint && s.tokenEndpoint) return { authorization: s.authorizationEndpoint, token: s.tokenEndpoint };
    if (discovered && discovered.issuer === s.issuer && now() - discovered.at < 3_600_000) return discovered.endpoints;
    const url = `${s.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const doc = (await getJson(url, s.fetchTimeoutMs)) as Record<string, unknown>;
    if (doc.issuer !== s.issuer || typeof doc.authorization_endpoint !== 'string' || typeof doc.token_endpoint !== 'string') {
      throw idpError('the issuer\'s discovery document does not name this issuer and its endpoints');
    }
    const e = { authorization: s.authorizationEndpoint ?? doc.authorization_endpoint, token: s.tokenEndpoint ?? doc.token_endpoint };
    discovered = { issuer: s.issuer, at: now(), endpoints: e };
    return e;
  }

  async function getJson(url: string, timeoutMs: number, init?: RequestInit): Promise<unknown> {
    let res: Response;
    try {
      res = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch {
      throw idpError(`the identity provider could not be reached (${new URL(url).host})`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw idpError(`the identity provider answered ${res.status} without JSON`);
    }
    if (!res.ok) {
      const code = typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error.slice(0, 64) : String(res.status);
      throw new SluiceError('SLUICE_AUTH_INVALID', `The identity provider refused the sign-in (${code})`);
    }
    return body;
  }

  return {
    async authorizationUrl(state, nonce, verifier) {
      const s = deps.settings();
      const u = new URL((await endpoints(s)).authorization);
      u.searchParams.set('response_type', 'code');
      u.searchParams.set('client_id', s.clientId);
      u.searchParams.set('redirect_uri', s.redirectUri);
      u.searchParams.set('scope', s.scopes.join(' '));
      u.searchParams.set('state', state);
      u.searchParams.set('nonce', nonce);
      u.searchParams.set('code_challenge', pkceChallenge(verifier));
      u.searchParams.set('code_challenge_method', 'S256');
      return u.toString();
    },

    async finish(code, verifier, nonce, remote) {
      const s = deps.settings();
      const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: s.redirectUri, client_id: s.clientId, code_verifier: verifier });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      if (s.clientSecret) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`).toString('base64')}`;
      const tokens = (await getJson((await endpoints(s)).token, s.fetchTimeoutMs, { method: 'POST', headers, body: form.toString() })) as Record<string, unknown>;
      if (typeof tokens.id_token !== 'string' || typeof tokens.access_token !== 'string') throw idpError('the token response lacks id_token or access_token');
      let claims;
      try {
        ({ payload: claims } = await jwtVerify(tokens.id_token, deps.keys, {
          issuer: s.issuer, audience: s.clientId, algorithms: [...s.algorithms], clockTolerance: s.clockSkewSeconds, currentDate: new Date(now()), requiredClaims: ['exp', 'sub'],
        }));
      } catch {
        throw new SluiceError('SLUICE_AUTH_INVALID', 'The ID token did not verify (issuer, audience, signature or expiry)');
      }
      if (claims.nonce !== nonce) throw new SluiceError('SLUICE_AUTH_INVALID', 'The ID token was not issued for this sign-in (nonce)');
      // Same authentication as a bearer call to the reviewer API: same issuers, claims and groups.
      const who = await deps.authenticate({ authorization: `Bearer ${tokens.access_token}` }, remote);
      if (who.subject !== claims.sub) throw new SluiceError('SLUICE_AUTH_INVALID', 'The access token and the ID token name different subjects');
      return who;
    },
  };
}

function idpError(message: string): SluiceError {
  return new SluiceError('SLUICE_AUTH_UNAVAILABLE', `Sign-in failed: ${message}`);
}
