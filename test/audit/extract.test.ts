import { describe, expect, it } from 'vitest';
import { assistantText, lastUserMessage } from '../../src/audit/extract.js';

const j = JSON.stringify;
const sse = (events: object[]) => events.map((e) => `data: ${j(e)}\n\n`).join('') + 'data: [DONE]\n\n';

describe('lastUserMessage', () => {
  it.each([
    ['OpenAI chat, string content', j({ messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'first' }, { role: 'assistant', content: 'a' }, { role: 'user', content: 'second' }] }), 'second'],
    ['OpenAI chat, content parts', j({ messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'x' } }] }] }), 'look\n[image_url]'],
    ['Anthropic messages, text blocks', j({ system: 's', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi claude' }] }] }), 'hi claude'],
    ['OpenAI responses, string input', j({ model: 'm', input: 'just this' }), 'just this'],
    ['OpenAI responses, items', j({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'item text' }] }] }), 'item text'],
    ['legacy completions prompt', j({ prompt: 'complete me' }), 'complete me'],
    ['no user message', j({ messages: [{ role: 'system', content: 's' }] }), undefined],
    ['truncated JSON', '{"messages":[{"role":"user","content":"cut', undefined],
  ])('%s', (_n, body, expected) => {
    expect(lastUserMessage(body)).toBe(expected);
  });
});

describe('assistantText', () => {
  it.each([
    ['OpenAI chat JSON', j({ choices: [{ message: { role: 'assistant', content: 'hello there' } }] }), 'hello there'],
    ['OpenAI responses JSON', j({ output: [{ type: 'message', content: [{ type: 'output_text', text: 'resp text' }] }] }), 'resp text'],
    ['Anthropic JSON', j({ type: 'message', content: [{ type: 'text', text: 'from claude' }] }), 'from claude'],
    ['OpenAI chat SSE', sse([{ choices: [{ delta: { role: 'assistant' } }] }, { choices: [{ delta: { content: 'Hel' } }] }, { choices: [{ delta: { content: 'lo' } }] }]), 'Hello'],
    ['Anthropic SSE', 'event: message_start\ndata: {"type":"message_start"}\n\nevent: content_block_delta\ndata: ' + j({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi ' } }) + '\n\ndata: ' + j({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'there' } }) + '\n\n', 'Hi there'],
    ['OpenAI responses SSE', sse([{ type: 'response.output_text.delta', delta: 'a' }, { type: 'response.output_text.delta', delta: 'b' }]), 'ab'],
    ['plain text', 'not json', undefined],
  ])('%s', (_n, body, expected) => {
    expect(assistantText(body)).toBe(expected);
  });
});
