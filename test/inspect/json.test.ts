import { describe, expect, test } from 'vitest';
import { allBuiltins, scanJson, scanText, enc, dec } from './helpers.js';

const P = allBuiltins('mask');
const chat = (content: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }], ...extra });

describe('JSON-aware scanning', () => {
  test.each([
    ['\\u escapes', '"card \\u0034\\u0032\\u0034\\u0032 4242 4242 4242"'],
    ['newline inside the number', '"card 42424242\\n42424242"'],
    ['escaped quote before', '"say \\"4242424242424242\\" now"'],
    ['surrogate pair before', '"\\ud83d\\ude00 4242424242424242"'],
  ])('%s cannot hide a card', (_name, content) => {
    const body = `{"messages":[{"role":"user","content":${content}}]}`;
    const r = scanJson(P, body);
    expect(r.findings.map((f) => f.detector)).toEqual(['card']);
    const out = JSON.parse(r.text) as { messages: Array<{ content: string }> };
    expect(out.messages[0]!.content).toContain('4242');
    expect(out.messages[0]!.content).not.toMatch(/4242.?4242/);
  });

  test('findings point at the original (escaped) bytes', () => {
    const body = '{"a":"x \\u0034242424242424242 y"}';
    const r = scanJson(allBuiltins('report'), body);
    const f = r.findings[0]!;
    expect(dec.decode(enc.encode(body).subarray(f.start, f.end))).toBe('\\u0034242424242424242');
  });

  test('a card written as a JSON number becomes a masked string', () => {
    const r = scanJson(P, '{"card":4242424242424242,"n":1}');
    expect(JSON.parse(r.text)).toEqual({ card: '************4242', n: 1 });
  });

  test('"password": "…" members are caught through the JSON structure', () => {
    const r = scanJson(allBuiltins('redact'), '{"user":"bob","password":"correct horse 9"}');
    expect(JSON.parse(r.text)).toEqual({ user: 'bob', password: '[REDACTED:password]' });
  });

  test('output stays valid JSON and unchanged bodies are returned as is', () => {
    const body = enc.encode(chat('nothing here'));
    const r = scanJson(P, dec.decode(body));
    expect(r.changed).toBe(false);
    const masked = scanJson(P, chat('mail jane@example.com card 5555 5555 5555 4444 \u00e9\u{1F600}'));
    expect(JSON.parse(masked.text).messages[0].content).toBe('mail j***@example.com card **** **** **** 4444 \u00e9\u{1F600}');
  });

  test('meta: model, stream, include_usage and tool names', () => {
    const body = chat('hi', {
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }, { name: 'anthropic_tool', input_schema: {} }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const withCall = body.replace('"content":"hi"}', '"content":"hi","name":"alice"},{"role":"assistant","tool_calls":[{"id":"1","type":"function","function":{"name":"lookup","arguments":"{}"}}]}');
    const r = scanJson(P, withCall);
    expect(r.meta).toEqual({
      validJson: true, model: 'gpt-4o', stream: true, includeUsage: true, tools: ['lookup', 'get_weather', 'anthropic_tool'],
      shape: { top: 'object', members: { model: 'string', messages: 'array', stream: 'boolean', stream_options: 'object', tools: 'array' } },
    });
  });

  test.each(['{"a":', '{"a":"x}', '{"a":1,}', '[1 2]', '{"a":"\\x"}', '', '{"a":01}'])('invalid JSON %j is flagged and still scanned as text', (body) => {
    const r = scanJson(P, body + ' 4242 4242 4242 4242');
    expect(r.meta.validJson).toBe(false);
    expect(r.text).toContain('**** **** **** 4242');
  });

  test('text bodies are never parsed', () => {
    expect(scanText(P, '{"a":"4242 4242 4242 4242"}').meta).toEqual({ validJson: false });
  });

  test('large bodies with many escapes grow the walker buffers', () => {
    const content = '\\n'.repeat(50_000) + ' 4242 4242 4242 4242';
    const r = scanJson(P, `{"content":"${content}"}`);
    expect(r.meta.validJson).toBe(true);
    expect(JSON.parse(r.text).content.endsWith('**** **** **** 4242')).toBe(true);
  });
});
