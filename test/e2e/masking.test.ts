// Masking through the real gateway, both directions: requests (inline and pool), JSON and SSE responses, restore.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let analyst: string;
let job: string;
const CARD = '4111 1111 1111 1111';
const CARD_DIGITS = '4111111111111111';

beforeAll(async () => {
  stack = await startStack({ config: { inspection: { inlineBelowBytes: 16 * 1024 } } });
  analyst = await stack.token(['analysts'], 'ann');
  job = await stack.token(['streaming-jobs'], 'svc-flink', 'flink-enrichment');
});
afterAll(async () => stack?.close());

const sent = () => stack.mock.received.at(-1)!.body;
const noCard = (s: string) => expect(s.replace(/\D/g, '')).not.toContain(CARD_DIGITS);

async function raw(token: string, payload: unknown, headers: Record<string, string> = {}, path = '/v1/chat/completions') {
  const res = await request(`${stack.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

describe('request masking', () => {
  it('masks PII and redacts secrets before the provider sees them', async () => {
    const r = await raw(analyst, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `card ${CARD}, mail jane.doe@example.com, key AKIAIOSFODNN7EXAMPLE` }] });
    expect(r.status).toBe(200);
    const body = sent();
    noCard(body);
    expect(body).not.toContain('jane.doe@example.com');
    expect(body).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(JSON.parse(body).model).toBe('gpt-4o-mini'); // still valid JSON
  });

  it('sees through JSON escapes', async () => {
    const escaped = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"pay \\u0034\\u0031\\u0031\\u0031 1111 1111 1111 now"}]}';
    const r = await raw(analyst, escaped);
    expect(r.status).toBe(200);
    const parsed = JSON.parse(sent());
    noCard(parsed.messages[0].content);
  });

  it('masks bodies large enough to go to the worker pool', async () => {
    const filler = 'The quarterly numbers look fine. '.repeat(2000); // ~66 KiB > inlineBelowBytes
    const r = await raw(analyst, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${filler} card ${CARD} end` }] });
    expect(r.status).toBe(200);
    noCard(sent());
    expect(stack.mock.received.at(-1)!.bodyBytes).toBeGreaterThan(64 * 1024);
  });
});

describe('response masking', () => {
  const reply = `Sure. The card on file is ${CARD} and the contact is bob@example.org.`;

  it('masks a JSON response', async () => {
    const r = await raw(analyst, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'what is on file?' }] }, { 'x-mock-reply': reply });
    expect(r.status).toBe(200);
    noCard(r.text);
    expect(r.text).not.toContain('bob@example.org');
    expect(JSON.parse(r.text).choices[0].message.content).toContain('Sure. The card on file is');
  });

  it('masks an SSE stream split into 3-character deltas, and the SDK parses it', async () => {
    const raw1 = await raw(analyst, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] }, { 'x-mock-reply': reply, 'x-mock-chunk': '3' });
    noCard(raw1.text);
    expect(raw1.text).not.toContain('bob@example.org');
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: analyst, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-reply': reply, 'x-mock-chunk': '3' } },
    );
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    noCard(text);
    expect(text.startsWith('Sure. The card on file is ')).toBe(true);
    expect(text).toContain('1111'); // keep-format mask keeps the last four
  });

  it('masks an Anthropic stream read by the SDK helpers', async () => {
    const client = new Anthropic({ baseURL: `${stack.url}/anthropic`, apiKey: analyst, maxRetries: 0 });
    const stream = client.messages.stream(
      { model: 'claude-3-5-haiku-latest', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-reply': reply, 'x-mock-chunk': '2' } },
    );
    const msg = await stream.finalMessage();
    const text = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    noCard(text);
    expect(text).not.toContain('bob@example.org');
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
  });
});

describe('tokenize and restore', () => {
  it('sends a token upstream and restores the original for the caller', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: job, maxRetries: 0 });
    const res = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `charge ${CARD} today` }] },
      { headers: { 'x-sluice-session': 'batch-7' } },
    );
    const upstream = sent();
    noCard(upstream);
    const token = /<card_[0-9a-f]+>/.exec(upstream)?.[0];
    expect(token).toBeTruthy();
    // The mock echoes the token back; Sluice restores it for the caller that sent it.
    expect(res.choices[0].message.content).toContain(CARD);
    expect(res.choices[0].message.content).not.toContain(token!);
  });

  it('restores tokens split across stream deltas', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: job, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: `charge ${CARD} today` }] },
      { headers: { 'x-sluice-session': 'batch-8', 'x-mock-chunk': '4' } },
    );
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toContain(CARD);
    expect(text).not.toMatch(/<card_/);
  });

  it('restores a token from an earlier turn of the same session, and only in that session', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: job, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `remember ${CARD}` }] }, { headers: { 'x-sluice-session': 'turns-1' } });
    const token = /<card_[0-9a-f]+>/.exec(sent())![0];
    const later = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'what card did I give you?' }] },
      { headers: { 'x-sluice-session': 'turns-1', 'x-mock-reply': `You gave me ${token}.` } },
    );
    expect(later.choices[0].message.content).toBe(`You gave me ${CARD}.`);
    const other = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'and you?' }] },
      { headers: { 'x-sluice-session': 'turns-2', 'x-mock-reply': `You gave me ${token}.` } },
    );
    expect(other.choices[0].message.content).toBe(`You gave me ${token}.`);
  });
});

describe('usage on streams', () => {
  it('asks upstream for usage on the client\'s behalf and hides the extra chunk from the client', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: analyst, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'count my tokens' }] });
    let usageChunks = 0;
    for await (const c of stream) if (c.usage) usageChunks++;
    expect(JSON.parse(sent()).stream_options).toEqual({ include_usage: true });
    expect(usageChunks).toBe(0);
  });

  it('leaves the client\'s own stream_options alone and relays the usage it asked for', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: analyst, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count' }] });
    let usage;
    for await (const c of stream) if (c.usage) usage = c.usage;
    expect(usage?.total_tokens).toBeGreaterThan(0);
    expect(JSON.parse(sent()).stream_options).toEqual({ include_usage: true });
  });
});
