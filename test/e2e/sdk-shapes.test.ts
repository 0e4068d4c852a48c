// Every API shape a job or agent framework uses, through the real gateway with the official SDKs,
// with sensitive values planted in the places each shape carries text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;
const CARD = '4111 1111 1111 1111';
const digitsFree = (s: string) => expect(s.replace(/\D/g, '')).not.toContain('4111111111111111');
const sent = () => stack.mock.received.at(-1)!.body;
// The SDK's `output_text` convenience is not set on every path (e.g. a streamed final response): join the parts.
const outputText = (r: OpenAI.Responses.Response) =>
  r.output.flatMap((o) => (o.type === 'message' ? o.content.map((c) => (c.type === 'output_text' ? c.text : '')) : [])).join('');

beforeAll(async () => {
  stack = await startStack();
  const token = await stack.token(['analysts'], 'lg-agent', 'langgraph-support');
  openai = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: `${stack.url}/anthropic`, apiKey: token, maxRetries: 0 });
});
afterAll(async () => stack?.close());

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'charge_card', description: 'Charge a card', parameters: { type: 'object', properties: { card: { type: 'string' } }, required: ['card'] } } },
];

describe('OpenAI shapes', () => {
  it('streams tool-call arguments masked, and the SDK helper parses them', async () => {
    const stream = openai.chat.completions.stream(
      { model: 'gpt-4o-mini', tools, messages: [{ role: 'user', content: `charge ${CARD}` }] },
      { headers: { 'x-mock-reply': CARD } },
    );
    const done = await stream.finalChatCompletion();
    const call = done.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('charge_card');
    const args = call?.type === 'function' ? JSON.parse(call.function.arguments) : {};
    digitsFree(JSON.stringify(args));
    digitsFree(sent());
  });

  it('masks the Responses API, created and streamed', async () => {
    const r = await openai.responses.create({ model: 'gpt-4o-mini', input: `my card is ${CARD}` }, { headers: { 'x-mock-reply': `noted ${CARD}` } });
    expect(outputText(r)).toContain('noted ');
    digitsFree(outputText(r));
    digitsFree(sent());
    const s = openai.responses.stream({ model: 'gpt-4o-mini', input: 'again' }, { headers: { 'x-mock-reply': `card ${CARD} ok`, 'x-mock-chunk': '3' } });
    let text = '';
    for await (const ev of s) if (ev.type === 'response.output_text.delta') text += ev.delta;
    digitsFree(text);
    expect(text).toContain('card ');
    digitsFree(outputText(await s.finalResponse()));
  });

  it('masks embeddings input and legacy completions', async () => {
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: [`customer card ${CARD}`, 'plain'] });
    digitsFree(sent());
    const c = await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: `card ${CARD}` }, { headers: { 'x-mock-reply': `card ${CARD}` } });
    digitsFree(c.choices[0].text);
  });
});

describe('Anthropic shapes', () => {
  it('streams tool_use input masked through the SDK helpers', async () => {
    const stream = anthropic.messages.stream(
      {
        model: 'claude-3-5-haiku-latest',
        max_tokens: 200,
        tools: [{ name: 'charge_card', description: 'Charge a card', input_schema: { type: 'object', properties: { card: { type: 'string' } }, required: ['card'] } }],
        messages: [{ role: 'user', content: `charge ${CARD}` }],
      },
      { headers: { 'x-mock-reply': CARD } },
    );
    const msg = await stream.finalMessage();
    const use = msg.content.find((b) => b.type === 'tool_use');
    expect(use?.type === 'tool_use' && use.name).toBe('charge_card');
    digitsFree(JSON.stringify(use));
    digitsFree(sent());
  });

  it('counts tokens on masked text', async () => {
    const r = await anthropic.messages.countTokens({ model: 'claude-3-5-haiku-latest', messages: [{ role: 'user', content: `card ${CARD}` }] });
    expect(r.input_tokens).toBeGreaterThan(0);
    digitsFree(sent());
  });
});
