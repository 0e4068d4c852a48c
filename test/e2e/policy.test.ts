// Identity + policy through the real gateway: the same request, different groups, different outcomes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

const CARD = '4111 1111 1111 1111';
const body = (content: string, model = 'gpt-4o-mini') => JSON.stringify({ model, messages: [{ role: 'user', content }] });

async function chat(token: string, content: string, headers: Record<string, string> = {}, model?: string) {
  const res = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body(content, model),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: JSON.parse(text) };
}

describe('same request, different groups', () => {
  it('analysts: allowed, card masked before it reaches the provider', async () => {
    const r = await chat(await stack.token(['analysts'], 'ann'), `pay with ${CARD} please`);
    expect(r.status).toBe(200);
    const sent = stack.mock.received.at(-1)!.body;
    expect(sent).not.toContain(CARD);
    expect(sent).toContain('1111'); // keep-format mask keeps the last four
    expect(r.text).not.toContain(CARD);
  });

  it('no group that any rule grants: 403 with the default-deny reason', async () => {
    const r = await chat(await stack.token(['interns'], 'ivan'), 'hello');
    expect(r.status).toBe(403);
    expect(r.json.error.message).toContain('no policy rule allows this caller');
  });

  it('restricted: a model outside its allow-list is refused', async () => {
    const t = await stack.token(['restricted'], 'rita');
    const r = await chat(t, 'hello', { 'x-sluice-justification': 'quarterly risk review for ticket 1234' }, 'gpt-4o');
    expect(r.status).toBe(403);
  });

  it('restricted: a missing justification is refused, a long enough one passes', async () => {
    const t = await stack.token(['restricted'], 'rita2');
    const missing = await chat(t, 'hello');
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe('SLUICE_JUSTIFICATION_REQUIRED');
    const ok = await chat(t, 'hello', { 'x-sluice-justification': 'quarterly risk review for ticket 1234' });
    expect(ok.status).toBe(200);
  });

  it('restricted: over quota → 429 with Retry-After and rate-limit headers', async () => {
    const t = await stack.token(['restricted'], 'quota-user');
    const h = { 'x-sluice-justification': 'load test of the quota enforcement path' };
    let last;
    for (let i = 0; i < 31; i++) last = await chat(t, `call ${i}`, h);
    expect(last!.status).toBe(429);
    expect(last!.json.error.code).toBe('SLUICE_QUOTA_EXCEEDED');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.headers['x-sluice-ratelimit-limit-requests']).toBe('30');
  });

  it("keeps Sluice's quota headers apart from the provider's relayed x-ratelimit-*", async () => {
    const t = await stack.token(['restricted'], 'quota-headers-user');
    const r = await chat(t, 'one call', { 'x-sluice-justification': 'checking the rate-limit header names' });
    expect(r.status).toBe(200);
    expect(r.headers['x-sluice-ratelimit-limit-requests']).toBe('30');
    expect(r.headers['x-sluice-ratelimit-remaining-requests']).toBe('29');
    // The provider's own figures arrive untouched and unmixed.
    expect(r.headers['x-ratelimit-limit-requests']).toBe('10000');
    expect(r.headers['x-ratelimit-remaining-requests']).toBe('9999');
  });

  it('secrets are redacted for every group', async () => {
    const key = 'AKIAIOSFODNN7EXAMPLE';
    const r = await chat(await stack.token(['streaming-jobs'], 'svc-flink', 'flink-enrich'), `creds ${key}`);
    expect(r.status).toBe(200);
    expect(stack.mock.received.at(-1)!.body).not.toContain(key);
  });
});
