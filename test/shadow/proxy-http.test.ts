import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ProxyAgent, request } from 'undici';
import { createContext } from '../../src/context.js';
import { SluiceError } from '../../src/errors.js';
import { createShadowRoutes } from '../../src/shadow/routes.js';
import { startRecorder, startTestProxy, type Recorder, type TestProxy } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(opts: Parameters<typeof startTestProxy>[0] = {}): Promise<{ p: TestProxy; upstream: Recorder; client: ProxyAgent }> {
  const upstream = await startRecorder();
  const p = await startTestProxy(opts);
  // proxyTunnel: false makes undici send absolute-form requests for http:// targets, as curl and requests do.
  const client = new ProxyAgent({ uri: p.url, proxyTunnel: false });
  cleanup.push(upstream.close, p.close, () => client.close());
  return { p, upstream, client };
}

const chat = JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'hello' }] });

describe('plain-HTTP detection', () => {
  const cases: Array<[string, string, string, Record<string, string>, string | undefined, string[]]> = [
    ['path', 'GET', '/api/generate', {}, undefined, ['path:ollama-generate']],
    ['header', 'POST', '/submit', { authorization: 'Bearer sk-test-123', 'content-type': 'text/plain' }, 'x', ['header:openai-key']],
    ['body', 'POST', '/jobs/run', { 'content-type': 'application/json' }, '{"messages": [ {"role": "user", "content": "hi"} ]}', ['body:openai-messages']],
  ];
  it.each(cases)('finds a shadow call by %s and forwards it under `log`', async (_n, method, path, headers, body, ids) => {
    // An exact host rule names the (loopback) stand-in, so the call may reach it.
    const { p, upstream, client } = await setup({ policy: { default: 'block', hosts: { 'llm.internal': 'log' } } });
    const port = upstream.port;
    const res = await request(`http://llm.internal:${port}${path}`, { dispatcher: client, method: method as 'GET', headers, body });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-upstream']).toBe('recorder');
    await res.body.dump();
    expect(upstream.seen).toHaveLength(1);
    expect(upstream.seen[0].url).toBe(path);
    expect(upstream.seen[0].body).toBe(body ?? '');
    // Sent to the checked address, with the Host the caller meant.
    expect(upstream.seen[0].headers.host).toBe(`llm.internal:${port}`);
    expect(p.asked).toEqual(['llm.internal']);
    expect(p.records).toHaveLength(1);
    expect(p.records[0]).toMatchObject({ kind: 'shadow', decision: 'allowed', status: 200 });
    expect(p.records[0].detail).toMatchObject({ mode: 'http', host: 'llm.internal', port, address: '127.0.0.1', path, signatures: ids.join(','), action: 'log', rule: 'host:llm.internal' });
  });

  it('forwards other traffic a rule allows, and records it', async () => {
    const { p, upstream, client } = await setup({ policy: { default: 'block', hosts: { '127.0.0.1': 'allow' } } });
    const res = await request(`http://127.0.0.1:${upstream.port}/healthz?x=1`, { dispatcher: client });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(upstream.seen[0].url).toBe('/healthz?x=1');
    expect(p.records).toHaveLength(1);
    expect(p.records[0]).toMatchObject({ kind: 'egress', decision: 'allowed', status: 200 });
    expect(p.records[0].detail).toMatchObject({ mode: 'http', host: '127.0.0.1', address: '127.0.0.1', path: '/healthz', action: 'allow', rule: 'host:127.0.0.1' });
  });

  it('refuses other traffic under `default: block` (default-deny), without resolving it', async () => {
    const { p, upstream, client } = await setup();
    const res = await request(`http://intranet.test:${upstream.port}/healthz`, { dispatcher: client });
    expect(res.statusCode).toBe(403);
    expect(((await res.body.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'SLUICE_EGRESS_DENIED', message: expect.stringContaining('the default is block') });
    expect(upstream.seen).toEqual([]);
    expect(p.asked).toEqual([]);
    expect(p.records[0]).toMatchObject({ kind: 'egress', decision: 'blocked', status: 403, detail: { host: 'intranet.test', rule: 'default' } });
  });

  it('streams a body larger than the inspection bound through unchanged', async () => {
    const { p, upstream, client } = await setup({ policy: { default: 'log', hosts: { '127.0.0.1': 'log' } }, maxInspectBytes: 1024 });
    const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(300_000) }] });
    const res = await request(`http://127.0.0.1:${upstream.port}/ingest`, { dispatcher: client, method: 'POST', body: big });
    await res.body.dump();
    expect(upstream.seen[0].body).toBe(big);
    expect(p.records[0].detail).toMatchObject({ signatures: 'body:openai-messages' });
  });

  it('never sends the proxy credential upstream', async () => {
    const { upstream, p } = await setup({ policy: { default: 'log', hosts: { '127.0.0.1': 'log' } } });
    const client = new ProxyAgent({ uri: p.url, proxyTunnel: false, token: 'Bearer sluice-secret' });
    cleanup.push(() => client.close());
    const res = await request(`http://127.0.0.1:${upstream.port}/v1/chat/completions`, { dispatcher: client, method: 'POST', body: chat });
    await res.body.dump();
    expect(upstream.seen[0].headers['proxy-authorization']).toBeUndefined();
  });

  it('answers 502 in the provider shape when the target is down', async () => {
    const { p, client } = await setup({ policy: { default: 'log', hosts: { '127.0.0.1:1': 'log' } } });
    const res = await request('http://127.0.0.1:1/v1/chat/completions', { dispatcher: client, method: 'POST', body: chat });
    expect(res.statusCode).toBe(502);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('SLUICE_UPSTREAM_UNREACHABLE');
    expect(p.records[0]).toMatchObject({ status: 502, error: 'SLUICE_UPSTREAM_UNREACHABLE' });
  });
});

describe('block', () => {
  it('refuses with a 403 in the OpenAI error shape naming the gateway', async () => {
    const { p, upstream, client } = await setup({ gatewayUrl: 'http://sluice.test:8080' });
    const res = await request(`http://127.0.0.1:${upstream.port}/v1/chat/completions`, { dispatcher: client, method: 'POST', body: chat });
    expect(res.statusCode).toBe(403);
    const body = (await res.body.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: 'SLUICE_POLICY_BLOCKED', type: 'permission_error' });
    expect(body.error.message).toContain('http://sluice.test:8080/v1');
    expect(upstream.seen).toEqual([]);
    expect(p.records[0]).toMatchObject({ decision: 'blocked', status: 403 });
  });

  it('uses the Anthropic error shape for Anthropic calls', async () => {
    const { upstream, client } = await setup();
    const res = await request(`http://127.0.0.1:${upstream.port}/v1/messages`, { dispatcher: client, method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: '{}' });
    expect(res.statusCode).toBe(403);
    expect(((await res.body.json()) as { type: string }).type).toBe('error');
  });
});

describe('route', () => {
  async function routed(path: string, headers: Record<string, string>, body: string) {
    const gateway = await startRecorder(() => ({ routed: true }));
    cleanup.push(gateway.close);
    const { p, upstream } = await setup({ policy: { default: 'route' }, gatewayUrl: gateway.url });
    const withToken = new ProxyAgent({ uri: p.url, proxyTunnel: false, token: 'Bearer sluice-job-token' });
    cleanup.push(() => withToken.close());
    // A catalogued host over plain HTTP: routed without ever being resolved.
    const res = await request(`http://api.openai.com${path}`, { dispatcher: withToken, method: 'POST', headers, body });
    return { p, upstream, gateway, res };
  }

  it('sends an OpenAI call to the gateway with the proxy token, without the provider key', async () => {
    const { p, upstream, gateway, res } = await routed('/v1/chat/completions?trace=1', { authorization: 'Bearer sk-provider-key', 'content-type': 'application/json' }, chat);
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ routed: true });
    expect(gateway.seen).toHaveLength(1);
    expect(gateway.seen[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions?trace=1', body: chat });
    expect(gateway.seen[0].headers.authorization).toBe('Bearer sluice-job-token');
    expect(JSON.stringify(gateway.seen[0].headers)).not.toContain('sk-provider-key');
    expect(upstream.seen).toEqual([]);
    expect(p.asked).toEqual([]);
    expect(p.records[0].detail).toMatchObject({ action: 'route', host: 'api.openai.com' });
  });

  it('maps Anthropic /v1/messages to the gateway\'s anthropic connection', async () => {
    const { gateway, res } = await routed('/v1/messages', { 'x-api-key': 'sk-ant-provider', 'anthropic-version': '2023-06-01' }, '{"model":"claude-3-5-haiku","messages":[]}');
    await res.body.dump();
    expect(gateway.seen[0].url).toBe('/anthropic/v1/messages');
    expect(gateway.seen[0].headers['x-api-key']).toBeUndefined();
    expect(gateway.seen[0].headers['anthropic-version']).toBe('2023-06-01');
    expect(gateway.seen[0].headers.authorization).toBe('Bearer sluice-job-token');
  });

  it('blocks calls with no gateway equivalent', async () => {
    const { gateway, res, p } = await routed('/api/generate', {}, '{"model":"llama3","prompt":"x"}');
    expect(res.statusCode).toBe(403);
    expect(((await res.body.json()) as { error: { message: string } }).error.message).toContain('no equivalent Sluice route');
    expect(gateway.seen).toEqual([]);
    expect(p.records[0].detail).toMatchObject({ action: 'block', policyAction: 'route' });
  });
});

it('keeps credentials out of logs and audit records', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  const { p, upstream } = await setup({ policy: { default: 'log', hosts: { '127.0.0.1': 'log' } }, logger, authenticate: async () => ({ subject: 'svc', groups: [], session: 's', via: 'service-key' }) });
  const client = new ProxyAgent({ uri: p.url, proxyTunnel: false, token: 'Bearer proxy-secret-token' });
  cleanup.push(() => client.close());
  const res = await request(`http://127.0.0.1:${upstream.port}/v1beta/models/gemini-pro:generateContent?key=AIzaSECRET`, { dispatcher: client, method: 'POST', headers: { authorization: 'Bearer sk-live-secret', 'x-api-key': 'sk-ant-secret' }, body: chat });
  await res.body.dump();
  expect(lines.some((l) => l.includes('shadow AI call'))).toBe(true);
  const all = lines.join('') + JSON.stringify(p.records);
  for (const secret of ['proxy-secret-token', 'sk-live-secret', 'sk-ant-secret', 'AIzaSECRET']) expect(all).not.toContain(secret);
  expect(p.records[0].detail?.path).toBe('/v1beta/models/gemini-pro:generateContent');
});

describe('GET /sluice/shadow', () => {
  it('summarises shadow calls by source and host for reviewers', async () => {
    const gateway = await startRecorder(() => ({ routed: true }));
    cleanup.push(gateway.close);
    const { p, upstream, client } = await setup({ policy: { default: 'block', signatures: { 'path:openai-chat': 'route' } }, gatewayUrl: gateway.url });
    for (const path of ['/v1/chat/completions', '/v1/chat/completions', '/api/generate']) {
      const res = await request(`http://127.0.0.1:${upstream.port}${path}`, { dispatcher: client, method: 'POST', body: '{}' });
      await res.body.dump();
    }
    const routes = createShadowRoutes({
      summary: p.proxy.summary,
      authorizeReviewer: async (ctx) => {
        if (ctx.headers.authorization !== 'Bearer reviewer') throw new SluiceError('SLUICE_FORBIDDEN', 'reviewers only');
      },
    });
    const ctx = (method: string, path: string, auth?: string) =>
      createContext({ id: 'r1', method, path, headers: auth ? { authorization: auth } : {}, remoteAddress: '127.0.0.1' });

    const ok = await routes.handle(ctx('GET', '/sluice/shadow', 'Bearer reviewer'), new Uint8Array());
    expect(ok?.status).toBe(200);
    const summary = ok!.body as ReturnType<TestProxy['proxy']['summary']>;
    expect(summary.calls).toBe(3);
    expect(summary.byAction).toMatchObject({ block: 1, route: 2 });
    expect(summary.entries).toEqual([
      expect.objectContaining({ source: '127.0.0.1', host: '127.0.0.1', count: 3, actions: { block: 1, route: 2 }, signatures: ['path:ollama-generate', 'path:openai-chat'] }),
    ]);
    expect(summary.entries[0].firstSeen).toMatch(/^\d{4}-/);

    expect((await routes.handle(ctx('GET', '/sluice/shadow'), new Uint8Array()))?.status).toBe(403);
    const post = await routes.handle(ctx('POST', '/sluice/shadow', 'Bearer reviewer'), new Uint8Array());
    expect(post?.status).toBe(405);
    expect(post?.headers).toEqual([['allow', 'GET']]);
    expect(await routes.handle(ctx('GET', '/sluice/approvals'), new Uint8Array())).toBeNull();
  });
});
