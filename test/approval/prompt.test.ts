import { describe, expect, it } from 'vitest';
import { promptPreview } from '../../src/approval/prompt.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('promptPreview', () => {
  it.each([
    ['OpenAI chat, string content', { model: 'm', messages: [{ role: 'system', content: 'be terse' }, { role: 'user', content: 'hello' }] }, 'system: be terse\nuser: hello'],
    ['OpenAI chat, content parts', { messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'here' }] }] }, 'user: look\nhere'],
    ['Anthropic messages with system blocks and tool results', { system: [{ type: 'text', text: 'sys' }], messages: [{ role: 'user', content: [{ type: 'tool_result', content: [{ type: 'text', text: 'rows: 3' }] }] }] }, 'system: sys\nuser: rows: 3'],
    ['Responses API, string input', { instructions: 'be nice', input: 'summarise ****' }, 'instructions: be nice\nuser: summarise ****'],
    ['Responses API, items', { input: [{ role: 'user', content: [{ type: 'input_text', text: 'q1' }] }, { type: 'function_call_output', output: '42' }] }, 'user: q1\nfunction_call_output: 42'],
    ['completions prompt list', { prompt: ['a', 'b'] }, 'prompt: a\nprompt: b'],
    ['embeddings input list', { input: ['x', 'y'] }, 'user: x\nuser: y'],
  ])('%s', (_name, body, text) => {
    expect(promptPreview(enc(body), 4096)).toEqual({ text, bytes: enc(body).byteLength, truncated: false });
  });

  it.each([
    ['not JSON', 'plain text body'],
    ['JSON without conversation fields', '{"foo":1}'],
    ['a JSON array', '[1,2]'],
  ])('falls back to the masked body for %s', (_name, body) => {
    expect(promptPreview(enc(body), 4096).text).toBe(body);
  });

  it('keeps the request settings besides conversation and model: scalars, small objects, tool names', () => {
    const body = {
      model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 500, stream: true, user: 'u-1', seed: null,
      response_format: { type: 'json_object' }, tool_choice: 'auto', metadata: { note: 'x'.repeat(300) },
      tools: [{ type: 'function', function: { name: 'kubectl' } }, { name: 'search' }],
      messages: [{ role: 'user', content: 'hi' }],
    };
    expect(promptPreview(enc(body), 4096).params).toEqual({
      tools: 'kubectl, search', temperature: 0.2, max_tokens: 500, stream: true, user: 'u-1',
      response_format: '{"type":"json_object"}', tool_choice: 'auto',
    });
    expect(promptPreview(enc({ messages: [] }), 4096).params).toBeUndefined();
  });

  it('cuts at maxBytes without splitting a UTF-8 character', () => {
    const p = promptPreview(enc({ messages: [{ role: 'user', content: 'ééééé' }] }), 9);
    // "user: " is 6 bytes; each é is 2: 9 bytes would split the second é.
    expect(p).toMatchObject({ text: 'user: é', truncated: true });
  });

  it('is empty for no body', () => {
    expect(promptPreview(undefined, 10)).toEqual({ text: '', bytes: 0, truncated: false });
  });
});
