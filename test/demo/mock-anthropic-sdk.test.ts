// The official @anthropic-ai/sdk against the mock directly: messages JSON and stream, tool_use, count_tokens.
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { anthropicFor, mockHeaders, useMockProvider } from '../helpers/mock.js';

const mock = useMockProvider();
const lookupTool = {
  name: 'lookup_customer',
  description: 'find a customer',
  input_schema: { type: 'object' as const, properties: { query: { type: 'string' }, limit: { type: 'number' } } },
};

describe('anthropic SDK against the mock', () => {
  it('messages.create: echo, usage, and the credential recorded', async () => {
    const m = mock();
    m.clear();
    const msg = await anthropicFor(m.url, { apiKey: 'sk-ant-secret' }).messages.create({
      model: 'claude-test-model',
      max_tokens: 100,
      system: 'be brief',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi from anthropic' }] }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'You said: hi from anthropic' }]);
    expect(msg.model).toBe('claude-test-model');
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    // @anthropic-ai/sdk 1.x sends `apiKey` as a bearer token, not as `x-api-key`.
    expect(m.received[0].headers.authorization).toBe('Bearer sk-ant-secret');
    expect(m.received[0].headers['anthropic-version']).toBeDefined();
    expect(m.received[0].route).toBe('messages');
  });

  it('messages.stream: text deltas, finalMessage() and usage from message_delta', async () => {
    const stream = anthropicFor(mock().url).messages.stream({
      model: 'claude-mock',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream a short answer back' }],
    });
    const deltas: string[] = [];
    stream.on('text', (d) => deltas.push(d));
    const final = await stream.finalMessage();
    expect(await stream.finalText()).toBe('You said: stream a short answer back');
    expect(deltas.join('')).toBe('You said: stream a short answer back');
    expect(deltas.length).toBeGreaterThan(3);
    expect(final.usage.output_tokens).toBeGreaterThan(1);
  });

  it('tool_use stream: input_json_delta pieces build the tool input', async () => {
    const stream = anthropicFor(mock().url).messages.stream({
      model: 'claude-mock',
      max_tokens: 100,
      tools: [lookupTool],
      messages: [{ role: 'user', content: 'find Jane' }],
    });
    let jsonDeltas = 0;
    stream.on('inputJson', () => jsonDeltas++);
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const tool = final.content.find((b) => b.type === 'tool_use');
    expect(tool).toMatchObject({ type: 'tool_use', name: 'lookup_customer', input: { query: 'You said: find Jane', limit: 1 } });
    expect(jsonDeltas).toBeGreaterThan(1);
  });

  it('a tool_result turn gets a text answer', async () => {
    const msg = await anthropicFor(mock().url).messages.create({
      model: 'claude-mock',
      max_tokens: 100,
      tools: [lookupTool],
      messages: [
        { role: 'user', content: 'find Jane' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup_customer', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'Jane Doe, id 7' }] },
      ],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'Tool result: Jane Doe, id 7' }]);
  });

  it('countTokens', async () => {
    const res = await anthropicFor(mock().url).messages.countTokens({
      model: 'claude-mock',
      messages: [{ role: 'user', content: 'count these tokens please' }],
    });
    expect(res.input_tokens).toBeGreaterThan(0);
  });

  it('models.list in the Anthropic shape', async () => {
    const page = await anthropicFor(mock().url).models.list();
    expect(page.data.map((m) => m.id)).toEqual(['claude-mock']);
  });

  it.each([
    [429, Anthropic.RateLimitError, 'rate_limit_error'],
    [500, Anthropic.InternalServerError, 'api_error'],
    [529, Anthropic.APIError, 'overloaded_error'],
  ])('x-mock-status %i surfaces as the SDK error class with the provider error type', async (status, cls, type) => {
    const client = anthropicFor(mock().url, { headers: mockHeaders({ status }) });
    const err = await client.messages
      .create({ model: 'claude-mock', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(cls);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(status);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type } });
  });
});
