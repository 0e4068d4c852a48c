// OAuth2 client_credentials for Node jobs talking to Sluice: fetch a token from the IdP's token endpoint, cache
// it, refresh it before it expires (one refresh at a time), and survive a 401 by refreshing once.
// Works with any IdP that serves the grant (Keycloak, Okta, Entra ID, Auth0) and with Sluice's demo issuer.
// No dependencies: Node's fetch.

/** Refresh this long before expiry: a fifth of the lifetime, at most a minute (a 5-minute token refreshes at 4). */
export function refreshMarginMs(lifetimeMs) {
  return Math.min(60_000, lifetimeMs / 5);
}

export class TokenError extends Error {
  constructor(message, { status, error } = {}) {
    super(message);
    this.name = 'TokenError';
    this.status = status;
    this.error = error;
  }
}

export class ClientCredentials {
  /**
   * @param {object} o
   * @param {string} o.tokenUrl      the IdP's token endpoint
   * @param {string} o.clientId
   * @param {string} o.clientSecret
   * @param {string} [o.scope]       some IdPs need one (Entra ID: `api://sluice/.default`)
   * @param {typeof fetch} [o.fetch]
   * @param {() => number} [o.now]   milliseconds; injectable for tests
   */
  constructor({ tokenUrl, clientId, clientSecret, scope, fetch: f = globalThis.fetch, now = Date.now }) {
    if (!tokenUrl || !clientId || !clientSecret) throw new TypeError('tokenUrl, clientId and clientSecret are required');
    this.tokenUrl = tokenUrl;
    this.clientId = clientId;
    this.scope = scope;
    this.now = now;
    this.stats = { fetched: 0, refreshedAfter401: 0 };
    // Kept off the enumerable fields so the secret never lands in a log line that prints this object.
    Object.defineProperty(this, 'secret', { value: clientSecret, enumerable: false });
    Object.defineProperty(this, 'fetchImpl', { value: f, enumerable: false });
    this.current = undefined; // { token, refreshAt, expiresAt }
    this.inflight = undefined;
  }

  /** A valid access token: the cached one, or a fresh one when the cached one is near expiry. */
  async token() {
    const c = this.current;
    if (c && this.now() < c.refreshAt) return c.token;
    // One refresh for every concurrent caller (no stampede on the IdP when a token expires under load).
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Forget `token` if it is still the cached one (the gateway refused it); the next token() fetches anew. */
  invalidate(token) {
    if (this.current?.token === token) this.current = undefined;
  }

  async fetchToken() {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.scope) body.set('scope', this.scope);
    const basic = Buffer.from(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(this.secret)}`).toString('base64');
    const started = this.now();
    let res;
    try {
      res = await this.fetchImpl(this.tokenUrl, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new TokenError(`token endpoint unreachable: ${err.message}`);
    }
    const json = await res.json().catch(() => ({}));
    if (!res.ok || typeof json.access_token !== 'string') {
      // RFC 6749 §5.2 error fields; never the secret.
      throw new TokenError(`token request failed: HTTP ${res.status} ${json.error ?? ''} ${json.error_description ?? ''}`.trim(), { status: res.status, error: json.error });
    }
    // Lifetime from expires_in, counted from when we asked: immune to clock skew between us and the IdP.
    const lifetimeMs = (Number(json.expires_in) > 0 ? Number(json.expires_in) : 300) * 1000;
    this.current = { token: json.access_token, expiresAt: started + lifetimeMs, refreshAt: started + lifetimeMs - refreshMarginMs(lifetimeMs) };
    this.stats.fetched++;
    return json.access_token;
  }

  /**
   * A fetch that sends `Authorization: Bearer <token>` and, on a 401, refreshes once and repeats the request.
   * Give it to an SDK (`new OpenAI({ fetch })`, `ChatOpenAI({ configuration: { fetch } })`).
   *
   * A 429 or 503 whose `retry-after` is longer than `maxRetryAfterMs` (a used-up daily token quota says "retry in
   * 9 hours") comes back marked `x-should-retry: false`: openai-node honours any `retry-after` without a cap and
   * would park the call (and its concurrency slot) that long; marked, the SDK fails it at once and the job
   * dead-letters or pauses as it decides.
   */
  fetchWithAuth(base = globalThis.fetch, { maxRetryAfterMs = 60_000 } = {}) {
    const tokens = this;
    return async function sluiceFetch(input, init = {}) {
      return giveUpOnLongWaits(await authorized(input, init), maxRetryAfterMs);
    };
    async function authorized(input, init) {
      const send = async (token) => {
        const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
        headers.set('authorization', `Bearer ${token}`);
        return base(input, { ...init, headers });
      };
      const first = await tokens.token();
      const res = await send(first);
      // A body that is a stream was consumed by the first attempt and cannot be sent again.
      if (res.status !== 401 || isStream(init.body)) return res;
      await res.body?.cancel();
      tokens.invalidate(first);
      tokens.stats.refreshedAfter401++;
      return send(await tokens.token());
    }
  }
}

/** Milliseconds a response asks the client to wait (`retry-after-ms`, `retry-after` in seconds or as a date). */
export function retryAfterMs(headers, now = Date.now()) {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : at - now;
}

function giveUpOnLongWaits(res, maxRetryAfterMs) {
  if (res.status !== 429 && res.status !== 503) return res;
  const wait = retryAfterMs(res.headers);
  if (wait === undefined || wait <= maxRetryAfterMs) return res;
  const headers = new Headers(res.headers);
  headers.set('x-should-retry', 'false');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

function isStream(body) {
  return body != null && typeof body === 'object' && typeof body.getReader === 'function';
}

/** The settings every Node example reads, with the demo's defaults (`npm start`, sluice.yaml's demo clients). */
export function settingsFromEnv(defaults) {
  const url = (process.env.SLUICE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  return {
    url,
    tokenUrl: process.env.SLUICE_TOKEN_URL ?? `${url}/sluice/demo/token`,
    clientId: process.env.SLUICE_CLIENT_ID ?? defaults.clientId,
    clientSecret: process.env.SLUICE_CLIENT_SECRET ?? defaults.clientSecret,
    scope: process.env.SLUICE_TOKEN_SCOPE || undefined,
    model: process.env.SLUICE_MODEL ?? 'gpt-4o-mini',
  };
}
