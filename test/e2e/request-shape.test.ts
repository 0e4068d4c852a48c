// Policy judges what the provider reads: a body whose model/stream/messages/… has a type the provider API does
// not accept, or that is not a JSON object, is refused 400 in the provider's shape before anything leaves; a
// caller restricted to listed models is refused when the model cannot be read. Per route, through the gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { join } from 'node:path';
import { startStack, REPO, type Stack } from '../helpers/stack.js';

let stack: Stack;
let token: string;

beforeAll(async () => {
  stack = await startStack({ policiesDir: join(REPO, 'test/fixtures/e2e/model-policy') });
  token = await stack.token(['analysts']);
});
afterAll(async () => stack?.close());

interface Route {
  path: string;
  provider: 'openai' | 'anthropic';
  /** A valid body naming an allowed model. */
  ok: Record<string, unknown>;
  /** Members to set to each wrong type (besides `model`). */
  typed: Record<string, unknown[]>;
}

const USER = [{ role: 'user', content: 'hi' }];
const ROUTES: Record<string, Route> = {
  chat: { path: '/v1/chat/completions', provider: 'openai', ok: { model: 'gpt-4o-mini', messages: USER }, typed: { messages: [{ role: 'user' }, 'hi'], stream: ['true', 1] } },
  completions: { path: '/v1/completions', provider: 'openai', ok: { model: 'gpt-4o-mini', prompt: 'hi' }, typed: { prompt: [{ text: 'hi' }, 1], stream: ['yes'] } },
  responses: { path: '/v1/responses', provider: 'openai', ok: { model: 'gpt-4o-mini', input: 'hi' }, typed: { input: [{ text: 'hi' }, 5], stream: [[true]] } },
  embeddings: { path: '/v1/embeddings', provider: 'openai', ok: { model: 'text-embedding-3-small', input: 'hi' }, typed: { input: [{ text: 'hi' }, true] } },
  messages: { path: '/anthropic/v1/messages', provider: 'anthropic', ok: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: USER }, typed: { messages: ['hi', {}], stream: ['true', null] } },
  count_tokens: { path: '/anthropic/v1/messages/count_tokens', provider: 'anthropic', ok: { model: 'claude-sonnet-4-5', messages: USER }, typed: { messages: ['hi'], system: [{ text: 'x' }] } },
};

async function send(route: Route, body: string) {
  const before = stack.mock.received.length;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (route.provider === 'anthropic') headers['x-api-key'] = token;
  else headers.authorization = `Bearer ${token}`;
  const res = await request(`${stack.url}${route.path}`, { method: 'POST', headers, body });
  const text = await res.body.text();
  // The mock keeps at most maxReceived requests; the count grows only when something reached it.
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined, forwarded: stack.mock.received.length !== before };
}

function expectRefused(route: Route, r: Awaited<ReturnType<typeof send>>, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.forwarded).toBe(false);
  if (route.provider === 'anthropic') expect(r.json).toMatchObject({ type: 'error', error: { code } });
  else expect(r.json.error).toMatchObject({ code });
}

describe.each(Object.entries(ROUTES))('%s', (_name, route) => {
  it('a well-typed body with an allowed model is forwarded', async () => {
    const r = await send(route, JSON.stringify(route.ok));
    expect(r.status).toBe(200);
    expect(r.forwarded).toBe(true);
  });

  it.each([
    ['an array', ['gpt-4o-mini']],
    ['an object', { id: 'gpt-4o-mini' }],
    ['a number', 4],
    ['null', null],
  ])('model as %s → 400 before anything leaves', async (_kind, model) => {
    const r = await send(route, JSON.stringify({ ...route.ok, model }));
    expectRefused(route, r, 400, 'SLUICE_BAD_REQUEST');
    if (route.provider === 'openai') expect(r.json.error.param).toBe('model');
  });

  it('a top-level array body → 400', async () => {
    const r = await send(route, JSON.stringify([route.ok]));
    expectRefused(route, r, 400, 'SLUICE_BAD_REQUEST');
  });

  it.each([['a string', '"gpt-4o-mini"'], ['a number', '42'], ['empty', '']])('a body that is %s → 400', async (_k, body) => {
    const r = await send(route, body);
    expectRefused(route, r, 400, body === '' ? 'SLUICE_BAD_JSON' : 'SLUICE_BAD_REQUEST');
  });

  it('members of the wrong type → 400 naming the member', async () => {
    for (const [member, values] of Object.entries(route.typed)) {
      for (const v of values) {
        const r = await send(route, JSON.stringify({ ...route.ok, [member]: v }));
        expectRefused(route, r, 400, 'SLUICE_BAD_REQUEST');
        expect(JSON.stringify(r.json)).toContain(`\\"${member}\\" must be`);
      }
    }
  });

  it('no model, with a caller restricted to listed models → 403, nothing forwarded', async () => {
    const { model: _m, ...rest } = route.ok;
    const r = await send(route, JSON.stringify(rest));
    expectRefused(route, r, 403, 'SLUICE_FORBIDDEN');
  });

  it('a model outside the list → 403; the same model as a string inside the list passes', async () => {
    const other = route.provider === 'anthropic' ? 'claude-opus-4-1' : 'gpt-4o';
    expectRefused(route, await send(route, JSON.stringify({ ...route.ok, model: other })), 403, 'SLUICE_FORBIDDEN');
  });
});
