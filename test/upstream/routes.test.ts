import { describe, expect, it } from 'vitest';
import { createRouter } from '../../src/upstream/routes.js';
import { upstreamRequestHeaders, clientResponseHeaders } from '../../src/upstream/headers.js';
import { parseConfig } from '../../src/config/load.js';

const { config } = parseConfig(
  `connections:
  - { name: openai, provider: openai, baseUrl: "http://a/v1", credential: sk-o, default: true }
  - { name: claude, provider: anthropic, baseUrl: "http://b/v1", credential: sk-a }
`,
  '/x.yaml',
  {},
);
const router = createRouter(config.connections);

describe('routing', () => {
  it.each([
    ['POST', '/v1/chat/completions', 'openai', 'chat.completions', '/chat/completions'],
    ['POST', '/openai/v1/responses', 'openai', 'responses', '/responses'],
    ['GET', '/v1/models', 'openai', 'models.list', '/models'],
    ['GET', '/v1/models/gpt-4o', 'openai', 'models.get', '/models/gpt-4o'],
    ['POST', '/claude/v1/messages', 'claude', 'messages', '/messages'],
    ['POST', '/claude/v1/messages/count_tokens', 'claude', 'messages.count_tokens', '/messages/count_tokens'],
  ])('%s %s → %s %s', (method, path, conn, route, upstreamPath) => {
    expect(router.resolve(method, path, '')).toMatchObject({ connection: conn, route, upstreamPath });
  });

  it('shares one frozen match per fixed path and method; a query or a path parameter is resolved each time', () => {
    const r = createRouter(config.connections);
    const a = r.resolve('POST', '/v1/chat/completions', '');
    expect(r.resolve('POST', '/v1/chat/completions', '')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(r.resolve('POST', '/openai/v1/chat/completions', '')).not.toBe(a);
    const q = r.resolve('POST', '/v1/chat/completions', 'api-version=1');
    expect(q).toMatchObject({ route: 'chat.completions', query: 'api-version=1' });
    expect(r.resolve('POST', '/v1/chat/completions', '')).toMatchObject({ query: '' });
    const m = r.resolve('GET', '/v1/models/gpt-4o', '');
    expect(r.resolve('GET', '/v1/models/gpt-4o', '')).not.toBe(m);
    // A cached match never bypasses the method check.
    expect(() => r.resolve('GET', '/v1/chat/completions', '')).toThrow(expect.objectContaining({ code: 'SLUICE_METHOD_NOT_ALLOWED' }));
  });

  it.each([
    ['POST', '/v2/chat/completions', 'SLUICE_NOT_FOUND'],
    ['POST', '/claude/v1/chat/completions', 'SLUICE_NOT_FOUND'],
    ['POST', '/unknown/v1/messages', 'SLUICE_NOT_FOUND'],
    ['GET', '/v1/chat/completions', 'SLUICE_METHOD_NOT_ALLOWED'],
    ['POST', '/v1/models', 'SLUICE_METHOD_NOT_ALLOWED'],
    ['GET', '/v1/models/..', 'SLUICE_NOT_FOUND'],
    ['GET', '/v1/models/%2e%2e', 'SLUICE_NOT_FOUND'],
    ['GET', '/v1/models/a%2Fb', 'SLUICE_NOT_FOUND'],
  ])('%s %s → %s', (method, path, code) => {
    expect(() => router.resolve(method, path, '')).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a query string that is not percent-encoded', () => {
    expect(() => router.resolve('GET', '/v1/models', 'a=\u00e9')).toThrow(expect.objectContaining({ code: 'SLUICE_BAD_REQUEST' }));
    expect(router.resolve('GET', '/v1/models', 'a=%C3%A9').query).toBe('a=%C3%A9');
  });

  it('guesses the error shape from the path when no route matched', () => {
    expect(router.guessProvider('/claude/v1/nope', {})).toBe('anthropic');
    expect(router.guessProvider('/nope', { 'anthropic-version': '2023-06-01' })).toBe('anthropic');
    expect(router.guessProvider('/nope', {})).toBe('openai');
  });
});

describe('headers', () => {
  it('strips hop-by-hop and caller credentials and injects the connection credential', () => {
    const h = upstreamRequestHeaders(
      { authorization: 'Bearer caller', 'x-api-key': 'caller', connection: 'keep-alive, x-drop-me', 'x-drop-me': '1', 'keep-alive': '5', host: 'sluice', 'content-type': 'application/json', 'x-sluice-session': 's', 'openai-beta': 'assistants=v2' },
      config.connections[0],
      'req-1',
    );
    expect(h).toEqual({ authorization: 'Bearer sk-o', 'content-type': 'application/json', 'openai-beta': 'assistants=v2', 'accept-encoding': 'identity', 'x-request-id': 'req-1' });
    const a = upstreamRequestHeaders({ authorization: 'Bearer caller' }, config.connections[1], 'r');
    expect(a['x-api-key']).toBe('sk-a');
    expect(a['anthropic-version']).toBe('2023-06-01');
    expect(a.authorization).toBeUndefined();
  });

  it('sends the credential the way the connection says (Azure OpenAI: api-key)', () => {
    const azure = { ...config.connections[0], credentialHeader: 'api-key' as const };
    const h = upstreamRequestHeaders({ authorization: 'Bearer caller' }, azure, 'r');
    expect(h['api-key']).toBe('sk-o');
    expect(h.authorization).toBeUndefined();
  });

  it('drops hop-by-hop response headers and keeps the rest', () => {
    const out = clientResponseHeaders({ 'content-type': 'text/event-stream', 'transfer-encoding': 'chunked', connection: 'keep-alive', 'x-ratelimit-remaining-requests': '10', 'set-cookie': ['a=1'] });
    expect(out).toEqual([['content-type', 'text/event-stream'], ['x-ratelimit-remaining-requests', '10']]);
  });
});
