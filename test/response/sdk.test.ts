// The official SDKs parse Sluice's re-framed streams (served through their `fetch` option, no sockets).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createAnthropicStreamFilter } from '../../src/response/anthropic-stream.js';
import { createOpenAIStreamFilter } from '../../src/response/openai-stream.js';
import type { StreamFilter } from '../../src/response/stream.js';
import { maskOnce, newFakeScanner } from './fake-scanner.js';
import { sseText } from './helpers.js';
import { ARGS, CARD, TEXT, anthropicEvents, responsesEvents } from './streams.js';

const opts = { newScanner: () => newFakeScanner(), onUsage: () => {} };

/** A fetch that answers with the upstream SSE text run through `filter` in 9-byte chunks. */
function fetchThrough(filter: StreamFilter, upstream: string): typeof fetch {
  return async function fakeFetch() {
    const bytes = new TextEncoder().encode(upstream);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 9) for (const b of filter.push(bytes.subarray(i, i + 9))) controller.enqueue(b);
        for (const b of filter.end()) controller.enqueue(b);
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

function chatEvents(parts: string[]) {
  const c = (choices: unknown[]) => ({ data: { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices } });
  return [
    c([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ...parts.map((content) => c([{ index: 0, delta: { content }, finish_reason: null }])),
    c([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'pay', arguments: '' } }] }, finish_reason: null }]),
    ...[...ARGS].map((a) => c([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: a } }] }, finish_reason: null }])),
    c([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    { data: '[DONE]' },
  ];
}

describe('official SDKs consume masked streams', () => {
  it('openai chat.completions.stream with tool calls', async () => {
    const fetch = fetchThrough(createOpenAIStreamFilter(opts), sseText(chatEvents([...TEXT])));
    const client = new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', fetch });
    const stream = client.chat.completions.stream({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] });
    const done = await stream.finalChatCompletion();
    const msg = done.choices[0].message;
    expect(msg.content).toBe(maskOnce(TEXT).out);
    expect(msg.tool_calls?.[0]).toMatchObject({ id: 'call_1', function: { name: 'pay', arguments: maskOnce(ARGS).out } });
    expect(JSON.stringify(done)).not.toContain(CARD);
  });

  it('openai responses.stream', async () => {
    const fetch = fetchThrough(createOpenAIStreamFilter(opts), sseText(responsesEvents([...TEXT])));
    const client = new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', fetch });
    const stream = client.responses.stream({ model: 'gpt-x', input: 'hi' });
    let deltas = '';
    stream.on('response.output_text.delta', (e) => (deltas += e.delta));
    const final = await stream.finalResponse();
    expect(deltas).toBe(maskOnce(TEXT).out);
    expect(final.output[0]).toMatchObject({ type: 'message', content: [{ text: maskOnce(TEXT).out }] });
    expect(JSON.stringify(final)).not.toContain(CARD);
  });

  it('openai surfaces Sluice error events as APIError', async () => {
    const fetch = fetchThrough(createOpenAIStreamFilter(opts), `${sseText(chatEvents(['hello']).slice(0, 2))}data: {oops\n\n`);
    const client = new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', fetch, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-x', messages: [], stream: true });
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow(/malformed stream event/);
  });

  it('anthropic messages.stream with text and tool_use', async () => {
    const fetch = fetchThrough(createAnthropicStreamFilter(opts), sseText(anthropicEvents([...TEXT])));
    const client = new Anthropic({ apiKey: 'k', baseURL: 'http://127.0.0.1:9', fetch });
    const final = await client.messages.stream({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: maskOnce(TEXT).out });
    expect(final.content[1]).toMatchObject({ type: 'tool_use', input: { card: '[REDACTED:card]' } });
    expect(final.usage.output_tokens).toBe(30);
  });

  it('anthropic surfaces Sluice error events', async () => {
    const fetch = fetchThrough(createAnthropicStreamFilter(opts), `${sseText(anthropicEvents(['hi']).slice(0, 2))}data: {oops\n\n`);
    const client = new Anthropic({ apiKey: 'k', baseURL: 'http://127.0.0.1:9', fetch, maxRetries: 0 });
    const stream = client.messages.stream({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    await expect(stream.finalMessage()).rejects.toThrow(/SLUICE_INSPECTION_FAILED/);
  });
});
