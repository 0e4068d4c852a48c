// A LangGraph-style agent's model client (@langchain/openai ChatOpenAI) pointed at Sluice: invoke, stream and
// tool binding work, the provider sees masked text, and the session header groups the run for the audit trail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatOpenAI } from '@langchain/openai';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let token: string;
const CARD = '4111 1111 1111 1111';

beforeAll(async () => {
  stack = await startStack();
  token = await stack.token(['analysts'], 'lg-runner', 'support-graph');
});
afterAll(async () => stack?.close());

const model = (extra: Record<string, string> = {}) =>
  new ChatOpenAI({
    model: 'gpt-4o-mini',
    apiKey: token,
    maxRetries: 0,
    configuration: { baseURL: `${stack.url}/v1`, defaultHeaders: { 'x-sluice-session': 'thread-42', ...extra } },
  });

describe('@langchain/openai through Sluice', () => {
  it('invokes with masked text both ways', async () => {
    const res = await model({ 'x-mock-reply': `stored card ${CARD}` }).invoke(`my card is ${CARD}`);
    expect(String(res.content)).toContain('stored card');
    expect(String(res.content).replace(/\D/g, '')).not.toContain('4111111111111111');
    const got = stack.mock.received.at(-1)!;
    expect(got.body.replace(/\D/g, '')).not.toContain('4111111111111111');
    expect(got.headers.authorization).toBe('Bearer sk-upstream-openai-secret');
  });

  it('streams', async () => {
    let text = '';
    for await (const chunk of await model({ 'x-mock-reply': 'one two three four', 'x-mock-chunk': '2' }).stream('count')) text += String(chunk.content);
    expect(text).toBe('one two three four');
  });

  it('binds tools and gets a parsed tool call back', async () => {
    const withTools = model().bindTools([
      { type: 'function', function: { name: 'lookup_ticket', description: 'Find a ticket', parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } } },
    ]);
    const res = await withTools.invoke('look up ticket 42');
    expect(res.tool_calls?.[0]?.name).toBe('lookup_ticket');
    expect(typeof res.tool_calls?.[0]?.args.id).toBe('string');
  });
});
