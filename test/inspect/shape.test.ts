// Request shape from the walker's meta: JSON types of the members the provider reads, without parsing the body.
import { describe, expect, test } from 'vitest';
import { scanJson, allBuiltins } from './helpers.js';
import { assertRequestShape } from '../../src/inspect/shape.js';
import type { RouteMatch } from '../../src/context.js';
import { SluiceError } from '../../src/errors.js';

const P = allBuiltins('mask');
const route = (name: string): RouteMatch => ({ connection: 'c', provider: 'openai', route: name, upstreamPath: '/x', query: '', method: 'POST', inspect: true });

function shapeError(body: string, name = 'chat.completions'): string | undefined {
  try {
    assertRequestShape(route(name), scanJson(P, body).meta);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(SluiceError);
    return `${(err as SluiceError).code}: ${(err as SluiceError).message}`;
  }
}

describe('request shape', () => {
  test('meta records the top-level type and the checked members', () => {
    const m = scanJson(P, ' {"model":"m","stream":null,"messages":[],"other":{"model":[1]}}').meta;
    expect(m.shape).toEqual({ top: 'object', members: { model: 'string', stream: 'null', messages: 'array' } });
    expect(scanJson(P, '  [1,2]').meta.shape?.top).toBe('array');
  });

  test.each([
    ['{"model":"gpt-4o","messages":[]}', undefined],
    ['{"model":"gpt-4o","messages":[],"stream":null,"stream_options":null}', undefined],
    ['{"model":["gpt-4o"],"messages":[]}', 'SLUICE_BAD_REQUEST: "model" must be a string, not an array'],
    ['{"model":{"id":"gpt-4o"}}', 'SLUICE_BAD_REQUEST: "model" must be a string, not an object'],
    ['{"model":"m","stream":"true"}', 'SLUICE_BAD_REQUEST: "stream" must be a boolean or null, not a string'],
    ['{"model":"m","messages":{"0":{}}}', 'SLUICE_BAD_REQUEST: "messages" must be an array, not an object'],
    ['[{"model":"gpt-4o"}]', 'SLUICE_BAD_REQUEST: Request body must be a JSON object, not an array'],
    ['"gpt-4o"', 'SLUICE_BAD_REQUEST: Request body must be a JSON object, not a string'],
    ['{"model":"a","model":"b"}', 'SLUICE_BAD_REQUEST: Request body names "model" more than once'],
    ['{"model":', 'SLUICE_BAD_JSON: Request body is not valid JSON'],
  ])('%s', (body, want) => {
    expect(shapeError(body)).toBe(want);
  });

  test('per route: embeddings take a string or array input; Anthropic streams take booleans only', () => {
    expect(shapeError('{"model":"e","input":["a"]}', 'embeddings')).toBeUndefined();
    expect(shapeError('{"model":"e","input":{"a":1}}', 'embeddings')).toContain('"input" must be a string or an array');
    expect(shapeError('{"model":"c","messages":[],"stream":null}', 'messages')).toContain('"stream" must be a boolean, not null');
  });

  test('the model is read even after more "name" members than the first meta buffer holds', () => {
    const messages = Array.from({ length: 3000 }, (_, i) => ({ role: 'user', name: `u${i}`, content: 'hi' }));
    const body = JSON.stringify({ messages, model: 'gpt-4o', stream: true });
    const m = scanJson(P, body).meta;
    expect(m.model).toBe('gpt-4o');
    expect(m.stream).toBe(true);
    expect(m.shape?.members.model).toBe('string');
    // A second `model` that far in is still seen as a duplicate.
    expect(scanJson(P, body.replace(/}$/, ',"model":"o3"}')).meta.duplicateKey).toBe('model');
  });
});
