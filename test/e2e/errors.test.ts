// Every error the core answers, in the provider's own shape, on real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import OpenAI from 'openai';
import { join } from 'node:path';
import { startStack, REPO, type Stack } from '../helpers/stack.js';

let stack: Stack;
let token: string;

beforeAll(async () => {
  stack = await startStack({
    policiesDir: join(REPO, 'test/fixtures/e2e/open-policy'),
    config: {
      server: { maxBodyBytes: 64 * 1024, maxHeaderBytes: 4096 },
    },
    override: (c) => ({
      ...c,
      connections: [
        ...c.connections,
        { ...c.connections[0], name: 'dead', baseUrl: 'http://127.0.0.1:9/v1', default: false },
        { ...c.connections[0], name: 'slow', headersTimeoutMs: 300, default: false },
      ],
    }),
  });
  token = await stack.token(['analysts']);
});
afterAll(async () => stack?.close());

async function call(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const res = await request(`${stack.url}${path}`, {
    method: (init.method ?? 'POST') as 'POST',
    body: init.body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...init.headers },
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

describe('errors in the provider shape', () => {
  it('400 on malformed JSON (OpenAI shape)', async () => {
    const r = await call('/v1/chat/completions', { body: '{"model": "gpt-4o-mini", "messages": [' });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', code: 'SLUICE_BAD_JSON' });
  });

  it('400 when the model is named twice (policy and provider could read different ones)', async () => {
    const r = await call('/v1/chat/completions', { body: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"model":"gpt-4o"}' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('"model" more than once');
  });

  it('400 for a compressed request body (it could not be inspected)', async () => {
    const r = await call('/v1/chat/completions', { body: chat, headers: { 'content-encoding': 'gzip' } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('SLUICE_BAD_REQUEST');
  });

  it('401 without a credential, and 401 for a garbage token, without echoing it', async () => {
    const none = await call('/v1/chat/completions', { body: chat, headers: { authorization: '' } });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('SLUICE_AUTH_MISSING');
    const bad = await call('/v1/chat/completions', { body: chat, headers: { authorization: 'Bearer not-a-real-token-abc123' } });
    expect(bad.status).toBe(401);
    expect(bad.text).not.toContain('not-a-real-token-abc123');
  });

  it('401 in the Anthropic shape on the anthropic connection', async () => {
    const r = await call('/anthropic/v1/messages', { body: '{}', headers: { authorization: '', 'x-api-key': 'nope' } });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('404 for unknown routes and unknown connections', async () => {
    expect((await call('/v1/not-a-route', { body: chat })).status).toBe(404);
    const r = await call('/nope/v1/chat/completions', { body: chat });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('SLUICE_NOT_FOUND');
    const a = await call('/anthropic/v1/chat/completions', { body: chat });
    expect(a.status).toBe(404);
    expect(a.json.type).toBe('error');
  });

  it('405 for a wrong method on a known route', async () => {
    const r = await call('/v1/chat/completions', { method: 'GET' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('POST');
  });

  it('413 when the body exceeds server.maxBodyBytes', async () => {
    const big = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] });
    const r = await call('/v1/chat/completions', { body: big });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('SLUICE_BODY_TOO_LARGE');
  });

  it('431 when headers exceed server.maxHeaderBytes', async () => {
    const r = await call('/v1/chat/completions', { body: chat, headers: { 'x-padding': 'p'.repeat(3500), 'x-more': 'q'.repeat(1000) } });
    expect(r.status).toBe(431);
  });

  it('502 when the upstream is unreachable', async () => {
    const r = await call('/dead/v1/chat/completions', { body: chat });
    expect(r.status).toBe(502);
    expect(r.json.error.code).toBe('SLUICE_UPSTREAM_UNREACHABLE');
  });

  it('504 when the upstream does not answer in time', async () => {
    const r = await call('/slow/v1/chat/completions', { body: chat, headers: { 'x-mock-hang': '1' } });
    expect(r.status).toBe(504);
    expect(r.json.error.code).toBe('SLUICE_UPSTREAM_TIMEOUT');
  });

  it('relays upstream error statuses untouched', async () => {
    const r = await call('/v1/chat/completions', { body: chat, headers: { 'x-mock-status': '429' } });
    expect(r.status).toBe(429);
    expect(r.json.error).toBeTruthy();
  });

  it('never leaks the upstream credential in any response', async () => {
    const r = await call('/dead/v1/chat/completions', { body: chat });
    expect(r.text).not.toContain('sk-upstream-openai-secret');
  });
});

describe('mid-stream failures', () => {
  it('ends the client stream with an error when upstream resets mid-stream', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three four five six seven eight' }] },
      { headers: { 'x-mock-reset-after': '3' } },
    );
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow();
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    stack.mock.clear();
    const ac = new AbortController();
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h i j k l m n o p' }] },
      { headers: { 'x-mock-token-delay-ms': '50' }, signal: ac.signal },
    );
    let n = 0;
    // The SDK ends iteration quietly on abort; what matters is that the upstream saw the abort.
    for await (const _ of stream) if (++n === 2) ac.abort();
    expect(n).toBeLessThan(10);
    await stack.mock.whenIdle();
    const got = stack.mock.received.find((r) => r.route === 'chat.completions');
    expect(got?.aborted).toBe(true);
  });
});
