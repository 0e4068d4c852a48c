// examples/lib/client-credentials.mjs (the Node examples' token handling) against a real Sluice in demo mode: the
// demo issuer's token endpoint, refresh before expiry, one refresh for concurrent callers, one refresh on 401.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startStack, type Stack } from '../helpers/stack.js';
// @ts-expect-error: a plain ESM example module without type declarations
import { ClientCredentials, refreshMarginMs, retryAfterMs, TokenError } from '../../examples/lib/client-credentials.mjs';

const SECRET = 'kafka-secret-0123456789 +:%';
let stack: Stack;
let demoDir: string;
let tokenUrl: string;

beforeAll(async () => {
  demoDir = mkdtempSync(join(tmpdir(), 'sluice-cc-'));
  stack = await startStack({
    config: {
      demo: { enabled: true, dir: demoDir, mockProviderPort: 0, clients: [{ id: 'kafka-enricher', secret: SECRET, groups: ['streaming-jobs'], ttlSeconds: 300 }] },
      identity: { issuers: [] },
    },
  });
  tokenUrl = `${stack.url}/sluice/demo/token`;
});
afterAll(async () => {
  await stack?.close();
  if (demoDir) rmSync(demoDir, { recursive: true, force: true });
});

/** Counts token requests on their way to the real endpoint. */
function countingFetch() {
  const f = Object.assign(
    async (input: string | URL | Request, init?: RequestInit) => {
      f.calls++;
      return fetch(input, init);
    },
    { calls: 0 },
  );
  return f;
}

describe('ClientCredentials (examples/lib)', () => {
  it('reuses the token until a fifth of its lifetime is left, then refreshes', async () => {
    let now = 1_000_000;
    const f = countingFetch();
    const cc = new ClientCredentials({ tokenUrl, clientId: 'kafka-enricher', clientSecret: SECRET, fetch: f, now: () => now });
    const first = await cc.token();
    now += 239_000;
    expect(await cc.token()).toBe(first);
    expect(f.calls).toBe(1);
    now += 2_000;
    await cc.token();
    expect(f.calls).toBe(2);
    expect(refreshMarginMs(300_000)).toBe(60_000);
    expect(refreshMarginMs(10_000)).toBe(2_000);
    expect(refreshMarginMs(7_200_000)).toBe(60_000);
  });

  it('makes one token request for many concurrent callers', async () => {
    const f = countingFetch();
    const cc = new ClientCredentials({ tokenUrl, clientId: 'kafka-enricher', clientSecret: SECRET, fetch: f });
    const tokens = await Promise.all(Array.from({ length: 25 }, () => cc.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(f.calls).toBe(1);
  });

  it('refreshes once after a 401 and the SDK call succeeds; a second 401 is final', async () => {
    const cc = new ClientCredentials({ tokenUrl, clientId: 'kafka-enricher', clientSecret: SECRET });
    await cc.token();
    // The gateway no longer accepts the cached token (as after a revocation or a key rotation at the IdP).
    cc.current.token = `${cc.current.token.slice(0, -4)}AAAA`;
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: () => cc.token(), fetch: cc.fetchWithAuth(), maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(res.choices[0].message.content).toContain('hello');
    expect(cc.stats).toEqual({ fetched: 2, refreshedAfter401: 1 });

    let sent = 0;
    const always401 = cc.fetchWithAuth(async () => {
      sent++;
      return new Response('{"error":{"code":"SLUICE_AUTH_INVALID"}}', { status: 401 });
    });
    const r = await always401(`${stack.url}/v1/models`, {});
    expect(r.status).toBe(401);
    expect(sent).toBe(2);
  });

  it('lets the SDK retry a short retry-after, and fails a quota wait of hours at once instead of sleeping through it', async () => {
    const cc = new ClientCredentials({ tokenUrl, clientId: 'kafka-enricher', clientSecret: SECRET });
    const ok = { id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }] };
    const quota = (retryAfter: string) =>
      new Response('{"error":{"message":"Rate limit reached","type":"rate_limit_exceeded","code":"SLUICE_QUOTA_EXCEEDED"}}', { status: 429, headers: { 'retry-after': retryAfter, 'content-type': 'application/json' } });
    const scripted = (first: Response) => {
      const f = Object.assign(async () => (f.calls++ === 0 ? first : Response.json(ok)), { calls: 0 });
      return f;
    };
    const short = scripted(quota('0.01'));
    const client = (f: typeof fetch) => new OpenAI({ baseURL: 'http://sluice.invalid/v1', apiKey: 'x', fetch: cc.fetchWithAuth(f), maxRetries: 3 });
    const res = await client(short).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0].message.content).toBe('done');
    expect(short.calls).toBe(2);

    const long = scripted(quota('32400'));
    const started = Date.now();
    const err = await client(long).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('SLUICE_QUOTA_EXCEEDED');
    expect(long.calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reads retry-after-ms, retry-after in seconds and as an HTTP date', () => {
    const now = Date.parse('2026-12-02T08:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 02 Dec 2026 09:00:00 GMT' }), now)).toBe(3_600_000);
    expect(retryAfterMs(new Headers({}), now)).toBeUndefined();
  });

  it('names the OAuth error of a refused client, never its secret', async () => {
    const cc = new ClientCredentials({ tokenUrl, clientId: 'kafka-enricher', clientSecret: 'not-the-secret-xyz' });
    const err = await cc.token().catch((e: Error) => e);
    expect(err).toBeInstanceOf(TokenError);
    expect(err.message).toContain('invalid_client');
    expect(err.message).not.toContain('not-the-secret-xyz');
    expect(JSON.stringify(cc)).not.toContain('not-the-secret-xyz');
  });
});
