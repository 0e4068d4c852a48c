import { afterEach, describe, expect, it } from 'vitest';
import { ProxyAgent, request } from 'undici';
import { SluiceError } from '../../src/errors.js';
import type { Identity } from '../../src/types.js';
import { TLS, countOf, rawConnect, startEcho, startHttpsProvider, startTestProxy, type TestProxy } from './helpers.js';

const GATEWAY = 'http://sluice.test:8080';
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function proxyWith(opts: Parameters<typeof startTestProxy>[0]): Promise<TestProxy> {
  const p = await startTestProxy({ gatewayUrl: GATEWAY, ...opts });
  cleanup.push(p.close);
  return p;
}

function agent(p: TestProxy, opts: ConstructorParameters<typeof ProxyAgent>[0] extends infer O ? Partial<Exclude<O, string | URL>> : never = {}): ProxyAgent {
  const a = new ProxyAgent({ uri: p.url, requestTls: { ca: TLS.cert }, ...opts });
  cleanup.push(() => a.close());
  return a;
}

describe('CONNECT to catalogued LLM hosts', () => {
  it('blocks on the host name alone, without resolving it, and audits the call', async () => {
    const p = await proxyWith({});
    await expect(request('https://api.openai.com/v1/models', { dispatcher: agent(p) })).rejects.toThrow(/403/);
    expect(p.asked).toEqual([]);
    expect(p.records).toHaveLength(1);
    const r = p.records[0];
    expect(r).toMatchObject({ kind: 'shadow', source: '127.0.0.1', decision: 'blocked', status: 403, identity: null });
    expect(r.detail).toMatchObject({ mode: 'connect', host: 'api.openai.com', port: 443, signatures: 'host:openai', action: 'block', rule: 'default', provider: 'openai' });
    expect(await countOf(p.counter, { host: 'openai', action: 'block' })).toBe(1);
  });

  it('answers the refusal with a 403 body naming Sluice\'s endpoint', async () => {
    const p = await proxyWith({});
    const { head, body } = await rawConnect(p.proxy.port, 'api.anthropic.com:443');
    expect(head).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    const err = JSON.parse(body);
    expect(err.type).toBe('error'); // Anthropic host → Anthropic error shape
    expect(err.error.message).toContain('api.anthropic.com');
    expect(err.error.message).toContain(`${GATEWAY}/anthropic`);
    expect(err.error.message).toContain(`${GATEWAY}/v1`);
    expect(p.asked).toEqual([]);
  });

  it('with `log`, decides, resolves once, checks the address and tunnels to it', async () => {
    const provider = await startHttpsProvider();
    cleanup.push(provider.close);
    // The provider stand-in listens on loopback, which only a rule naming it can reach.
    const p = await proxyWith({ policy: { default: 'log', hosts: { [`127.0.0.1:${provider.port}`]: 'log' } } });
    const res = await request(`https://api.openai.com:${provider.port}/v1/models`, { dispatcher: agent(p) });
    expect(res.statusCode).toBe(200);
    expect((await res.body.json()) as object).toMatchObject({ object: 'list', path: '/v1/models' });
    expect(p.asked).toEqual(['api.openai.com']);
    expect(p.records).toHaveLength(1);
    expect(p.records[0]).toMatchObject({ kind: 'shadow', decision: 'allowed', status: 200 });
    expect(p.records[0].detail).toMatchObject({ action: 'log', host: 'api.openai.com', port: provider.port, address: '127.0.0.1', rule: `host:127.0.0.1:${provider.port}` });
  });

  it('with `log`, refuses a catalogued host that resolves to loopback', async () => {
    const provider = await startHttpsProvider();
    cleanup.push(provider.close);
    const p = await proxyWith({ policy: { default: 'log' } });
    const { head, body } = await rawConnect(p.proxy.port, `api.openai.com:${provider.port}`);
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    expect(JSON.parse(body).error).toMatchObject({ code: 'SLUICE_EGRESS_DENIED' });
    expect(p.records[0]).toMatchObject({ kind: 'shadow', decision: 'blocked', status: 403 });
    expect(p.records[0].detail).toMatchObject({ action: 'block', policyAction: 'log', rule: 'protected:loopback', address: '127.0.0.1' });
  });

  it('a per-host rule wins over the default', async () => {
    const provider = await startHttpsProvider();
    cleanup.push(provider.close);
    const p = await proxyWith({ policy: { default: 'block', hosts: { 'api.openai.com': 'allow' } } });
    const res = await request(`https://api.openai.com:${provider.port}/`, { dispatcher: agent(p) });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(p.records[0].detail).toMatchObject({ action: 'allow', rule: 'host:api.openai.com' });
  });

  it('refuses `route` for HTTPS (no TLS interception) and says why', async () => {
    const p = await proxyWith({ policy: { default: 'route' } });
    const { head, body } = await rawConnect(p.proxy.port, 'api.openai.com:443');
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    expect(JSON.parse(body).error.message).toContain('cannot be routed');
    expect(p.records[0].detail).toMatchObject({ action: 'block', policyAction: 'route' });
  });

  it('records an unreachable target as a 502', async () => {
    const p = await proxyWith({ policy: { default: 'block', hosts: { 'api.openai.com': 'log' } } });
    const { head } = await rawConnect(p.proxy.port, 'api.openai.com:1');
    expect(head).toMatch(/^HTTP\/1\.1 502/);
    expect(p.records[0]).toMatchObject({ status: 502, error: 'SLUICE_UPSTREAM_UNREACHABLE' });
  });
});

describe('CONNECT to other targets', () => {
  it('tunnels bytes both ways to a destination a rule allows, and records the tunnel', async () => {
    const echo = await startEcho();
    cleanup.push(echo.close);
    const p = await proxyWith({ policy: { default: 'block', hosts: { [`127.0.0.1:${echo.port}`]: 'allow' } } });
    const { head, socket } = await rawConnect(p.proxy.port, `127.0.0.1:${echo.port}`);
    expect(head).toBe('HTTP/1.1 200 Connection Established');
    const back = new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
    socket.write('ping through the tunnel');
    expect(await back).toBe('ping through the tunnel');
    socket.destroy();
    expect(p.records).toHaveLength(1);
    expect(p.records[0]).toMatchObject({ kind: 'egress', decision: 'allowed', status: 200, source: '127.0.0.1' });
    expect(p.records[0].detail).toEqual({ mode: 'connect', host: '127.0.0.1', port: echo.port, address: '127.0.0.1', method: 'CONNECT', action: 'allow', rule: `host:127.0.0.1:${echo.port}` });
    expect(p.asked).toEqual([]);
  });

  it('carries a real TLS client through the tunnel', async () => {
    const provider = await startHttpsProvider();
    cleanup.push(provider.close);
    const p = await proxyWith({ policy: { default: 'block', hosts: { [`localhost:${provider.port}`]: 'allow' } } });
    const res = await request(`https://localhost:${provider.port}/hello`, { dispatcher: agent(p) });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { path: string }).path).toBe('/hello');
    expect(p.records[0]).toMatchObject({ kind: 'egress', decision: 'allowed', detail: { host: 'localhost', address: '127.0.0.1', rule: `host:localhost:${provider.port}` } });
  });

  it('rejects a malformed CONNECT target, and records the refusal', async () => {
    const p = await proxyWith({});
    const { head } = await rawConnect(p.proxy.port, 'no-port-here:abc');
    expect(head).toMatch(/^HTTP\/1\.1 400/);
    expect(p.records[0]).toMatchObject({ kind: 'egress', decision: 'blocked', status: 400, error: 'SLUICE_BAD_REQUEST', detail: { rule: 'malformed' } });
  });
});

describe('proxy authentication', () => {
  const alice: Identity = { subject: 'alice', groups: ['analysts'], job: 'flink-enrich', session: 's1', via: 'service-key' };
  const authenticate = async (headers: Record<string, string>) => {
    if (headers.authorization === 'Bearer good-token') return alice;
    throw new SluiceError('SLUICE_AUTH_UNKNOWN_KEY', 'unknown key');
  };

  it('ties a Bearer proxy token to the identity in the audit record', async () => {
    const p = await proxyWith({ authenticate });
    await expect(request('https://api.openai.com/', { dispatcher: agent(p, { token: 'Bearer good-token' }) })).rejects.toThrow(/403/);
    expect(p.records[0].identity).toEqual({ subject: 'alice', groups: ['analysts'], job: 'flink-enrich', session: 's1' });
    expect(p.proxy.summary().entries[0]).toMatchObject({ source: '127.0.0.1', host: 'api.openai.com', subjects: ['alice'] });
  });

  it('accepts the token as the Basic password (HTTPS_PROXY=http://user:TOKEN@proxy)', async () => {
    const p = await proxyWith({ authenticate });
    const basic = Buffer.from('job:good-token').toString('base64');
    await rawConnect(p.proxy.port, 'api.openai.com:443', `Proxy-Authorization: Basic ${basic}\r\n`);
    expect(p.records[0].identity?.subject).toBe('alice');
  });

  it('answers 407 for a bad token, and for none when required', async () => {
    const p = await proxyWith({ authenticate, requireAuth: true });
    const bad = await rawConnect(p.proxy.port, 'api.openai.com:443', 'Proxy-Authorization: Bearer wrong\r\n');
    expect(bad.head).toMatch(/^HTTP\/1\.1 407/);
    expect(bad.head.toLowerCase()).toContain('proxy-authenticate: bearer realm="sluice-egress"');
    const none = await rawConnect(p.proxy.port, 'example.com:443');
    expect(none.head).toMatch(/^HTTP\/1\.1 407/);
    expect(p.records.map((r) => [r.kind, r.decision, r.status, r.detail?.host, r.detail?.rule])).toEqual([
      ['egress', 'blocked', 407, 'api.openai.com', 'auth'],
      ['egress', 'blocked', 407, 'example.com', 'auth'],
    ]);
    expect(p.asked).toEqual([]);
  });

  it('records the source address only when no token is sent', async () => {
    const p = await proxyWith({ authenticate });
    await rawConnect(p.proxy.port, 'api.openai.com:443');
    expect(p.records[0]).toMatchObject({ identity: null, source: '127.0.0.1' });
  });
});

it('listens on the configured host only', async () => {
  const p = await proxyWith({});
  expect(p.proxy.host).toBe('127.0.0.1');
});
