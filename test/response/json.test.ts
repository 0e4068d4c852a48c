import { describe, expect, it } from 'vitest';
import { maskJsonResponse } from '../../src/response/json.js';
import type { ProviderKind } from '../../src/types.js';
import { maskOnce } from './fake-scanner.js';

const CARD = '4111111111111111';
const SAID = `card ${CARD} ok`;
const MASKED = 'card [REDACTED:card] ok';
const ARGS = JSON.stringify({ card: CARD, n: 1 });
const enc = new TextEncoder();
const dec = new TextDecoder();

function mask(doc: unknown, kind: ProviderKind, route: string, restore?: (t: string) => string) {
  const r = maskJsonResponse(enc.encode(typeof doc === 'string' ? doc : JSON.stringify(doc)), kind, route, { maskText: maskOnce, restore });
  const text = dec.decode(r.body);
  return { ...r, text };
}

const cases: Array<{ name: string; kind: ProviderKind; route: string; doc: unknown; expect: (o: any) => void; usage?: unknown }> = [
  {
    name: 'chat completion text and tool calls',
    kind: 'openai',
    route: 'chat.completions',
    doc: {
      id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-x',
      choices: [{ index: 0, finish_reason: 'tool_calls', logprobs: { content: [{ token: CARD }] }, message: { role: 'assistant', content: SAID, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'pay', arguments: ARGS } }] } }],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    },
    expect: (o) => {
      expect(o.choices[0].message.content).toBe(MASKED);
      expect(JSON.parse(o.choices[0].message.tool_calls[0].function.arguments)).toEqual({ card: '[REDACTED:card]', n: 1 });
      expect(o.choices[0].logprobs).toBeNull();
      expect(o.id).toBe('chatcmpl-1');
    },
    usage: { input: 9, output: 4, total: 13 },
  },
  {
    name: 'legacy completion',
    kind: 'openai',
    route: 'completions',
    doc: { id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text: SAID, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
    expect: (o) => expect(o.choices[0].text).toBe(MASKED),
    usage: { input: 1, output: 2, total: 3 },
  },
  {
    name: 'responses API message, function call and reasoning summary',
    kind: 'openai',
    route: 'responses',
    doc: {
      id: 'resp_1', object: 'response',
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: SAID }], encrypted_content: 'enc4111111111111111' },
        { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: SAID, annotations: [] }] },
        { type: 'function_call', id: 'fc_1', call_id: 'c1', name: 'pay', arguments: ARGS },
      ],
      usage: { input_tokens: 5, output_tokens: 6, total_tokens: 11 },
    },
    expect: (o) => {
      expect(o.output[0].summary[0].text).toBe(MASKED);
      expect(o.output[0].encrypted_content).toBe('enc4111111111111111');
      expect(o.output[1].content[0].text).toBe(MASKED);
      expect(JSON.parse(o.output[2].arguments).card).toBe('[REDACTED:card]');
    },
    usage: { input: 5, output: 6, total: 11 },
  },
  {
    name: 'anthropic message text and tool_use input',
    kind: 'anthropic',
    route: 'messages',
    doc: {
      id: 'msg_1', type: 'message', role: 'assistant',
      content: [
        { type: 'text', text: SAID },
        { type: 'tool_use', id: 'toolu_1', name: 'pay', input: { card: CARD, nested: [{ note: SAID }], n: 2 } },
      ],
      usage: { input_tokens: 20, output_tokens: 8 },
    },
    expect: (o) => {
      expect(o.content[0].text).toBe(MASKED);
      expect(o.content[1].input).toEqual({ card: '[REDACTED:card]', nested: [{ note: MASKED }], n: 2 });
      expect(o.content[1].id).toBe('toolu_1');
    },
    usage: { input: 20, output: 8, total: 28 },
  },
  {
    name: 'provider error body',
    kind: 'openai',
    route: 'chat.completions',
    doc: { error: { message: `bad input ${CARD}`, type: 'invalid_request_error' } },
    expect: (o) => expect(o.error.message).toBe('bad input [REDACTED:card]'),
  },
];

describe('maskJsonResponse', () => {
  it.each(cases)('$name', ({ doc, kind, route, expect: check, usage }) => {
    const r = mask(doc, kind, route);
    check(JSON.parse(r.text));
    expect(r.usage).toEqual(usage);
    expect(r.findings.length).toBeGreaterThan(0);
  });

  it('never lets the card through in any masked field', () => {
    for (const c of cases.slice(0, 4)) expect(mask(c.doc, c.kind, c.route).text.replace('enc4111111111111111', '')).not.toContain(CARD);
  });

  it('masks a body that is not JSON as plain text', () => {
    const r = mask(`oops ${CARD}`, 'openai', 'chat.completions');
    expect(r.text).toBe('oops [REDACTED:card]');
  });

  it('leaves embeddings unparsed', () => {
    const body = enc.encode(JSON.stringify({ data: [{ embedding: [0.1] }], note: CARD }));
    expect(maskJsonResponse(body, 'openai', 'embeddings', { maskText: maskOnce }).body).toBe(body);
  });

  it('restores tokens, escaping them inside JSON-text arguments that do not parse', () => {
    const restore = (t: string) => t.replaceAll('<pw_01ab>', 'a"b');
    const doc = {
      choices: [{ index: 0, message: { role: 'assistant', content: 'pw <pw_01ab>', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"p":"<pw_01ab>"' } }] } }],
    };
    const o = JSON.parse(mask(doc, 'openai', 'chat.completions', restore).text);
    expect(o.choices[0].message.content).toBe('pw a"b');
    expect(o.choices[0].message.tool_calls[0].function.arguments).toBe('{"p":"a\\"b"');
    const r = maskJsonResponse(enc.encode(JSON.stringify(doc)), 'openai', 'chat.completions', { maskText: maskOnce, restore });
    expect(dec.decode(r.masked)).toContain('<pw_01ab>');
    expect(dec.decode(r.masked)).not.toContain('a\\"b');
  });

  it('restores tokens inside parsed arguments and Anthropic input', () => {
    const restore = (t: string) => t.replaceAll('<pw_01ab>', 'a"b');
    const doc = { content: [{ type: 'tool_use', id: 't', name: 'f', input: { p: '<pw_01ab>' } }] };
    expect(JSON.parse(mask(doc, 'anthropic', 'messages', restore).text).content[0].input.p).toBe('a"b');
  });
});
