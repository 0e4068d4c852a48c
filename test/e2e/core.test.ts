// Gateway core end to end: official SDKs → Sluice (uWS) → mock provider, on real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  token = await stack.token(['analysts'], 'alice', 'nightly-etl');
});
afterAll(async () => stack?.close());

const openai = () => new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0 });
const lastReceived = () => stack.mock.received[stack.mock.received.length - 1];

describe('forwarding with the official SDKs', () => {
  it('injects the connection credential and never forwards the caller token', async () => {
    const res = await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] });
    expect(res.choices[0].message.content).toContain('hello there');
    const got = lastReceived();
    expect(got.headers.authorization).toBe('Bearer sk-upstream-openai-secret');
    expect(JSON.stringify(got.headers)).not.toContain(token);
    expect(got.headers['x-request-id']).toBeTruthy();
  });

  it('streams chat completions chunk by chunk', async () => {
    const stream = await openai().chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'stream me a few words please' }],
    });
    let text = '';
    let chunks = 0;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      chunks++;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toContain('stream me a few words please');
  });

  it('serves embeddings (base64 by default in the SDK) and the models list', async () => {
    const emb = await openai().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(emb.data[0].embedding.length).toBeGreaterThan(0);
    const models = await openai().models.list();
    expect(models.data.length).toBeGreaterThan(0);
  });

  it('streams Anthropic messages through the anthropic connection with x-api-key auth', async () => {
    const client = new Anthropic({ baseURL: `${stack.url}/anthropic`, apiKey: token, maxRetries: 0 });
    const stream = client.messages.stream({ model: 'claude-3-5-haiku-latest', max_tokens: 64, messages: [{ role: 'user', content: 'hi from anthropic' }] });
    const final = await stream.finalMessage();
    const text = final.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    expect(text).toContain('hi from anthropic');
    const got = lastReceived();
    expect(got.headers['x-api-key']).toBe('sk-ant-upstream-secret');
    expect(got.headers['anthropic-version']).toBeTruthy();
    expect(got.headers.authorization).toBeUndefined();
  });

  it('accepts a 1 MiB request body', async () => {
    const big = 'lorem ipsum dolor sit amet '.repeat(40_000); // ~1.03 MiB
    const res = await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: big }] });
    expect(res.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(lastReceived().bodyBytes).toBeGreaterThan(1024 * 1024);
  });

  it('completes 200 concurrent streams', async () => {
    const client = openai();
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const s = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: `request number ${i}` }] });
        let t = '';
        for await (const c of s) t += c.choices[0]?.delta?.content ?? '';
        return t;
      }),
    );
    results.forEach((t, i) => expect(t).toContain(`request number ${i}`));
  });
});

describe('request ids and timing', () => {
  it('honours a sane x-request-id, replaces a bad one, and reports Server-Timing', async () => {
    const call = (id: string) =>
      request(`${stack.url}/v1/models`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': id } });
    const good = await call('job-42.attempt-1');
    expect(good.headers['x-request-id']).toBe('job-42.attempt-1');
    expect(String(good.headers['server-timing'])).toMatch(/^sluice;dur=\d+(\.\d+)?$/);
    await good.body.text();
    const bad = await call('x'.repeat(300));
    expect(bad.headers['x-request-id']).not.toBe('x'.repeat(300));
    await bad.body.text();
  });
});

describe('operations endpoints', () => {
  it('answers healthz, readyz and metrics', async () => {
    const h = await request(`${stack.url}/healthz`);
    expect(h.statusCode).toBe(200);
    await h.body.text();
    const r = await request(`${stack.url}/readyz`);
    expect(r.statusCode).toBe(200);
    await r.body.text();
    const m = await request(`${stack.url}/metrics`);
    const text = await m.body.text();
    expect(text).toContain('sluice_requests_total{');
    expect(text).toContain('sluice_overhead_seconds_bucket');
  });
});
