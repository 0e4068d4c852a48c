// Controls tests drive the mock with: x-mock-* headers, queued behaviours, scripts; and what it records.
import http from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { mockHeaders, openaiFor, parseSse, startMockProvider, useMockProvider, waitFor } from '../helpers/mock.js';

const mock = useMockProvider();
afterEach(() => mock().reset());

const CHAT = { model: 'gpt-mock', messages: [{ role: 'user', content: 'hello' }] };
const chatStream = { ...CHAT, stream: true };

function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock().url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

// Response bodies are checked field by field: `any` keeps the table rows short.
async function json(res: Response): Promise<any> {
  return res.json();
}

function contentDeltas(sse: string): string[] {
  return parseSse(sse)
    .filter((e) => e.data !== '[DONE]')
    .map((e) => JSON.parse(e.data).choices[0]?.delta?.content)
    .filter((c): c is string => typeof c === 'string' && c !== '');
}

describe('reply controls', () => {
  it.each([
    ['x-mock-reply + x-mock-chunk', { reply: 'abcdefghij', chunkChars: 3 }, ['abc', 'def', 'ghi', 'j']],
    ['x-mock-deltas', { deltas: ['4242 ', '4242', ' 4242 4242'] }, ['4242 ', '4242', ' 4242 4242']],
    ['non-ASCII reply via x-mock-reply-json', { reply: 'héllo\nwörld', chunkChars: 4 }, ['héll', 'o\nwö', 'rld']],
    ['default: word-sized deltas of the echo', {}, ['You', ' said:', ' hello']],
  ])('%s', async (_name, behaviour, expected) => {
    const res = await post('/v1/chat/completions', chatStream, mockHeaders(behaviour));
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(contentDeltas(await res.text())).toEqual(expected);
  });

  it('an unreadable control header is a 400 that names it', async () => {
    const res = await post('/v1/chat/completions', CHAT, { 'x-mock-reset-after': 'soon' });
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toContain('x-mock-reset-after');
  });

  it('queued behaviours apply to the next requests in order; the script wins over headers', async () => {
    const m = mock();
    m.enqueue({ status: 503 }, { reply: 'second' });
    m.setScript((req) => (req.headers['x-pick'] === 'script' ? { reply: `scripted for ${req.route}` } : undefined));
    const first = await post('/v1/chat/completions', CHAT);
    const second = await post('/v1/chat/completions', CHAT);
    const third = await post('/v1/chat/completions', CHAT, { 'x-pick': 'script', 'x-mock-reply': 'from header' });
    expect(first.status).toBe(503);
    expect((await json(second)).choices[0].message.content).toBe('second');
    expect((await json(third)).choices[0].message.content).toBe('scripted for chat.completions');
  });

  it('paths under a prefix (/openai/v1/...) reach the same routes', async () => {
    const res = await post('/openai/v1/chat/completions?api-version=1', CHAT);
    expect((await json(res)).choices[0].message.content).toBe('You said: hello');
    expect(mock().received[0].path).toBe('/openai/v1/chat/completions?api-version=1');
  });
});

describe('errors in provider shape', () => {
  it.each([
    ['unknown route, OpenAI shape', '/v1/nope', {}, '{}', 404, { error: { type: 'invalid_request_error', code: 'not_found' } }],
    ['unknown route, Anthropic shape', '/v1/nope', { 'anthropic-version': '2023-06-01' }, '{}', 404, { type: 'error', error: { type: 'not_found_error' } }],
    ['bad JSON on chat', '/v1/chat/completions', {}, '{"model":', 400, { error: { type: 'invalid_request_error' } }],
    ['bad JSON on messages', '/v1/messages', {}, 'nope', 400, { type: 'error', error: { type: 'invalid_request_error' } }],
    ['x-mock-status on a stream request', '/v1/chat/completions', { 'x-mock-status': '500' }, JSON.stringify(chatStream), 500, { error: { type: 'server_error' } }],
  ])('%s', async (_name, path, headers, body, status, shape) => {
    const res = await post(path, body, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject(shape);
  });

  it('405 for the wrong method on a known route', async () => {
    const res = await fetch(`${mock().url}/v1/chat/completions`);
    expect(res.status).toBe(405);
  });

  it('the openai SDK raises its typed error for x-mock-status', async () => {
    const client = openaiFor(mock().url, { headers: mockHeaders({ status: 429, errorMessage: 'slow down' }) });
    const err = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('slow down');
  });
});

describe('faults', () => {
  it('reset-after N: exactly N events arrive, then the stream breaks; recorded as reset, not aborted', async () => {
    const res = await post('/v1/chat/completions', chatStream, mockHeaders({ resetAfter: 2, chunkChars: 1 }));
    const reader = res.body!.getReader();
    let text = '';
    const failure = await (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return undefined;
        text += Buffer.from(value).toString();
      }
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(parseSse(text)).toHaveLength(2);
    await waitFor(() => mock().received[0].reset, 2000, 'reset recorded');
    expect(mock().received[0]).toMatchObject({ reset: true, aborted: false, completed: false });
  });

  it('reset-after 0 closes the socket before any response', async () => {
    const err = await post('/v1/messages', { model: 'c', max_tokens: 1, messages: [] }, { 'x-mock-reset-after': '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
  });

  it('reset-after on a JSON reply cuts the body short', async () => {
    const res = await post('/v1/chat/completions', CHAT, { 'x-mock-reset-after': '10' });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('the openai SDK fails on a mid-stream reset', async () => {
    const client = openaiFor(mock().url, { headers: mockHeaders({ resetAfter: 3 }) });
    const run = async (): Promise<void> => {
      const stream = await client.chat.completions.create({ ...CHAT, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
      for await (const _ of stream) void _;
    };
    await expect(run()).rejects.toThrow();
  });

  it('malformed: the stream carries a line no JSON parser accepts, and the SDK throws', async () => {
    const raw = await (await post('/v1/chat/completions', chatStream, { 'x-mock-malformed': '1' })).text();
    const events = parseSse(raw);
    expect(() => JSON.parse(events[1].data)).toThrow();
    expect(events.at(-1)?.data).toBe('[DONE]');
    // logLevel off: the SDK would log the unparseable line before throwing.
    const client = new OpenAI({ baseURL: `${mock().url}/v1`, apiKey: 'k', maxRetries: 0, logLevel: 'off', defaultHeaders: { 'x-mock-malformed': '2' } });
    const consume = async (): Promise<void> => {
      for await (const _ of await client.chat.completions.create({ ...CHAT, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming)) void _;
    };
    await expect(consume()).rejects.toThrow(SyntaxError);
  });

  it('malformed JSON reply is not parseable', async () => {
    const res = await post('/v1/embeddings', { model: 'e', input: 'x' }, { 'x-mock-malformed': '1' });
    await expect(res.json()).rejects.toThrow();
  });

  it('hang: never answers; the client giving up is recorded as aborted', async () => {
    const ac = new AbortController();
    const pending = post('/v1/chat/completions', CHAT, { 'x-mock-hang': '1' }, ac.signal).catch((e: unknown) => e);
    await waitFor(() => mock().inFlight === 1 && mock().received[0].bodyBytes > 0, 2000, 'request received');
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    await mock().whenIdle();
    expect(mock().received[0]).toMatchObject({ aborted: true, completed: false });
  });

  it('client abort mid-stream is recorded; the stream had started', async () => {
    const ac = new AbortController();
    const res = await post('/v1/chat/completions', chatStream, mockHeaders({ tokenDelayMs: 20, chunkChars: 1 }), ac.signal);
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await mock().whenIdle();
    expect(mock().received[0]).toMatchObject({ status: 200, aborted: true, completed: false, reset: false });
  });

  it('stall-after N: N events, then silence until the client leaves', async () => {
    const ac = new AbortController();
    const res = await post('/v1/messages', { model: 'c', max_tokens: 9, messages: [{ role: 'user', content: 'hi' }], stream: true }, { 'x-mock-stall-after': '2' }, ac.signal);
    const reader = res.body!.getReader();
    let text = '';
    while (parseSse(text).length < 2 || !text.endsWith('\n\n')) text += Buffer.from((await reader.read()).value!).toString();
    expect(parseSse(text).map((e) => e.event)).toEqual(['message_start', 'content_block_start']);
    expect(mock().inFlight).toBe(1);
    ac.abort();
    await mock().whenIdle();
    expect(mock().received[0].aborted).toBe(true);
  });
});

describe('recording', () => {
  it('records method, path, lower-cased headers and the body; completed when done', async () => {
    const client = openaiFor(mock().url, { apiKey: 'sk-client-token', headers: { 'X-Custom-Thing': 'Yes' } });
    await client.chat.completions.create({ model: 'gpt-mock', messages: [{ role: 'user', content: 'record me' }] });
    await mock().whenIdle();
    const [rec] = mock().received;
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/chat/completions', route: 'chat.completions', status: 200, completed: true, aborted: false });
    expect(rec.headers.authorization).toBe('Bearer sk-client-token');
    expect(rec.headers['x-custom-thing']).toBe('Yes');
    expect(JSON.parse(rec.body).messages[0].content).toBe('record me');
    expect(rec.bodyBytes).toBe(Buffer.byteLength(rec.body));
  });

  it('keeps at most maxReceived requests and truncates long bodies; clear() empties the list', async () => {
    const small = await startMockProvider({ maxReceived: 2, maxBodyChars: 10 });
    try {
      for (const word of ['one', 'two', 'three']) {
        await fetch(`${small.url}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ model: 'e', input: word }) });
      }
      expect(small.received.map((r) => r.seq)).toEqual([2, 3]);
      expect(small.received[1].body).toHaveLength(10);
      expect(small.received[1].bodyBytes).toBeGreaterThan(10);
      small.clear();
      expect(small.received).toHaveLength(0);
    } finally {
      await small.close();
    }
  });

  it('reuses connections (keep-alive)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<boolean> =>
      new Promise((resolve, reject) => {
        const req = http.get(`${mock().url}/v1/models`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.reusedSocket));
        });
        req.on('error', reject);
      });
    try {
      expect(await get()).toBe(false);
      expect(await get()).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('close() ends hanging exchanges instead of waiting for them', async () => {
    const other = await startMockProvider();
    const pending = fetch(`${other.url}/v1/models`, { headers: { 'x-mock-hang': '1' } }).catch((e: unknown) => e);
    await waitFor(() => other.inFlight === 1, 2000, 'hanging request');
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
