// Pure parts of the mock: splitting, turn extraction, tool arguments, embeddings, header round trip, CLI options.
import { describe, expect, it } from 'vitest';
import { parseCliOptions } from '../../src/demo/mock-cli.js';
import { behaviourFromHeaders, behaviourToHeaders } from '../../src/demo/mock/behaviour.js';
import { embed } from '../../src/demo/mock/openai-misc.js';
import { messagesTurn, responsesTurn, splitChars, splitWords } from '../../src/demo/mock/text.js';
import { argumentsFor, chooseTool } from '../../src/demo/mock/tools.js';
import type { MockBehaviour } from '../../src/demo/mock/types.js';

describe('splitting', () => {
  it.each([
    ['words keep their leading space', 'You said:  two  words', ['You', ' said:', '  two', '  words']],
    ['trailing space is its own delta', 'a b ', ['a', ' b', ' ']],
    ['empty text is one empty delta', '', ['']],
  ])('splitWords: %s', (_n, text, expected) => {
    expect(splitWords(text)).toEqual(expected);
    expect(splitWords(text).join('')).toBe(text);
  });

  it.each([
    ['exact multiples', 'abcdef', 2, ['ab', 'cd', 'ef']],
    ['surrogate pairs stay whole', 'a😀b😀', 2, ['a😀', 'b😀']],
    ['short text is one piece', 'ab', 5, ['ab']],
  ])('splitChars: %s', (_n, text, size, expected) => {
    expect(splitChars(text, size)).toEqual(expected);
  });
});

describe('turn extraction', () => {
  it.each([
    ['last user message, string', { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }] }, { text: 'c', afterTool: false }],
    ['parts are concatenated', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url' }, { type: 'text', text: 'y' }] }] }, { text: 'xy', afterTool: false }],
    ['OpenAI tool message', { messages: [{ role: 'user', content: 'q' }, { role: 'tool', content: 'r' }] }, { text: 'r', afterTool: true }],
    ['Anthropic tool_result', { messages: [{ role: 'user', content: [{ type: 'tool_result', content: [{ type: 'text', text: 'r2' }] }] }] }, { text: 'r2', afterTool: true }],
    ['no messages', {}, { text: '', afterTool: false }],
  ])('messages: %s', (_n, json, expected) => {
    expect(messagesTurn(json)).toEqual(expected);
  });

  it.each([
    ['string input', { input: 'hi' }, { text: 'hi', afterTool: false }],
    ['message items', { input: [{ role: 'user', content: [{ type: 'input_text', text: 'q' }] }] }, { text: 'q', afterTool: false }],
    ['function_call_output', { input: [{ role: 'user', content: 'q' }, { type: 'function_call_output', output: 'out' }] }, { text: 'out', afterTool: true }],
  ])('responses: %s', (_n, json, expected) => {
    expect(responsesTurn(json)).toEqual(expected);
  });
});

describe('tool arguments', () => {
  it.each([
    ['no schema', undefined, { input: 'T' }],
    ['first string property gets the text', { properties: { n: { type: 'integer' }, a: { type: 'string' }, b: { type: 'string' } } }, { n: 1, a: 'T', b: '' }],
    ['other types get typed placeholders', { properties: { f: { type: 'boolean' }, l: { type: 'array' }, o: { type: 'object' } } }, { f: true, l: [], o: {} }],
  ])('%s', (_n, schema, expected) => {
    expect(argumentsFor(schema, 'T')).toEqual(expected);
  });
});

describe('tool choice', () => {
  const tools = ['lookup_order', 'archive_case', 'notify'].map((name) => ({ name, schema: undefined }));
  it.each([
    ['no tool named: the first offered', 'what happened to order 1042?', 'lookup_order'],
    ['the tool the prompt names', 'then use archive_case for it', 'archive_case'],
    ['the earliest of two named', 'notify, then archive_case', 'notify'],
  ])('%s', (_n, text, expected) => {
    expect(chooseTool(tools, text)?.name).toBe(expected);
  });
  it('none offered: no call', () => {
    expect(chooseTool([], 'use notify')).toBeUndefined();
  });
});

describe('embeddings', () => {
  it('are deterministic unit vectors that differ per text', () => {
    const a = embed('alpha', 32);
    expect(embed('alpha', 32)).toEqual(a);
    expect(embed('beta', 32)).not.toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
  });
});

describe('control headers', () => {
  it.each<[string, MockBehaviour]>([
    ['every field', { status: 502, errorMessage: 'bad gateway', reply: 'plain reply', chunkChars: 3, latencyMs: 5, tokenDelayMs: 1, resetAfter: 4, stallAfter: 6, hang: false, malformedAt: 2, tools: 'none' }],
    ['non-ASCII and newlines go as JSON', { reply: 'ünïcode\n line', deltas: ['a\n', 'ß', '"q"'] }],
    ['surrounding spaces survive', { reply: ' padded ' }],
    ['nothing', {}],
  ])('round trip: %s', (_n, behaviour) => {
    const headers = behaviourToHeaders(behaviour);
    for (const v of Object.values(headers)) expect(v).toMatch(/^[\x20-\x7e]*$/);
    expect(behaviourFromHeaders(headers)).toEqual(behaviour);
  });

  it.each([
    ['x-mock-status', 'abc', 'a non-negative integer'],
    ['x-mock-hang', 'maybe', '1/true or 0/false'],
    ['x-mock-deltas', '["a", 1]', 'a JSON array of strings'],
    ['x-mock-deltas', '[', 'a JSON array of strings'],
    ['x-mock-reply-json', '{}', 'a JSON string'],
    ['x-mock-tools', 'all', 'auto or none'],
  ])('%s: %s is rejected with "%s"', (name, value, expected) => {
    expect(() => behaviourFromHeaders({ [name]: value })).toThrow(`mock provider: header ${name} must be ${expected}`);
  });
});

describe('mock-cli options', () => {
  it('parses every flag; records nothing by default', () => {
    expect(parseCliOptions(['--port', '9901', '--latency-ms', '5', '--token-delay-ms', '2', '--chunk', '4', '--verbose'])).toEqual({
      host: '127.0.0.1',
      port: 9901,
      latencyMs: 5,
      tokenDelayMs: 2,
      chunkChars: 4,
      maxReceived: 0,
      quiet: false,
    });
  });

  it.each([
    [['--port', 'x'], '--port must be a non-negative integer, got "x"'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliOptions(argv)).toThrow(message);
  });
});
