// The egress proxy is not an open proxy (issue 12): internal services, the gateway's own listeners and the
// proxy itself are unreachable through it unless a rule names them; default block is default-deny; host
// rules win; names are resolved once. Every "internal service" here is a listener on 127.0.0.1, and every
// name is answered by an injected resolver: no other address and no DNS are ever touched.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyAgent, request } from 'undici';
import { SluiceError } from '../../src/errors.js';
import type { Identity } from '../../src/types.js';
import { countOf, rawConnect, startEcho, startRecorder, startRedisLike, startTestProxy, type TestProxy } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function proxyWith(opts: Parameters<typeof startTestProxy>[0]): Promise<TestProxy> {
  const p = await startTestProxy(opts);
  cleanup.push(p.close);
  return p;
}

async function redis() {
  const r = await startRedisLike();
  cleanup.push(r.close);
  return r;
}

/** A stand-in for the gateway's own listener, serving /metrics. */
async function startGateway(): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('sluice_requests_total 42\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { port: (server.address() as AddressInfo).port, hits };
}

function plainClient(p: TestProxy, token?: string): ProxyAgent {
  // proxyTunnel: false sends http:// targets in absolute form, as `curl -x` does.
  const a = new ProxyAgent({ uri: p.url, proxyTunnel: false, ...(token ? { token: `Bearer ${token}` } : {}) });
  cleanup.push(() => a.close());
  return a;
}

/** KEYS * through an open tunnel: what an attacker would read from the token vault. */
function keys(socket: import('node:net').Socket): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    socket.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('vault')) resolve(out);
    });
    socket.write('KEYS *\r\n');
  });
}

describe('CONNECT to a loopback Redis (the shared token vault)', () => {
  it('is refused under default block, nothing reaches it, and the refusal is audited', async () => {
    const r = await redis();
    const p = await proxyWith({ policy: { default: 'block' } });
    const { head, body } = await rawConnect(p.proxy.port, `127.0.0.1:${r.port}`);
    expect(head).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(JSON.parse(body).error).toMatchObject({ code: 'SLUICE_EGRESS_DENIED', message: expect.stringContaining(`127.0.0.1:${r.port}`) });
    expect(r.accepted()).toBe(0);
    expect(p.records).toHaveLength(1);
    expect(p.records[0]).toMatchObject({ kind: 'egress', source: '127.0.0.1', identity: null, decision: 'blocked', status: 403 });
    expect(p.records[0].detail).toEqual({ mode: 'connect', host: '127.0.0.1', port: r.port, method: 'CONNECT', action: 'block', rule: 'default' });
  });

  it('is refused as loopback even when the default allows everything', async () => {
    const r = await redis();
    const p = await proxyWith({ policy: { default: 'allow' } });
    const { head } = await rawConnect(p.proxy.port, `127.0.0.1:${r.port}`);
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    expect(r.accepted()).toBe(0);
    expect(p.records[0].detail).toMatchObject({ host: '127.0.0.1', port: r.port, address: '127.0.0.1', action: 'block', policyAction: 'allow', rule: 'protected:loopback' });
    expect(await countOf(p.egress, { action: 'block', reason: 'protected:loopback' })).toBe(1);
  });

  it('is refused for an authenticated caller under requireAuth, with who in the record', async () => {
    const alice: Identity = { subject: 'alice', groups: ['analysts'], job: 'flink-enrich', session: 's1', via: 'service-key' };
    const authenticate = async (h: Record<string, string>) => {
      if (h.authorization === 'Bearer good-token') return alice;
      throw new SluiceError('SLUICE_AUTH_UNKNOWN_KEY', 'unknown key');
    };
    const r = await redis();
    const p = await proxyWith({ policy: { default: 'allow' }, requireAuth: true, authenticate });
    const { head } = await rawConnect(p.proxy.port, `127.0.0.1:${r.port}`, 'Proxy-Authorization: Bearer good-token\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    const other = await rawConnect(p.proxy.port, `10.0.0.5.nip.test:${r.port}`, 'Proxy-Authorization: Bearer good-token\r\n');
    expect(other.head).toMatch(/^HTTP\/1\.1 403/); // a name that resolves (here) to loopback
    expect(r.accepted()).toBe(0);
    for (const rec of p.records) expect(rec).toMatchObject({ kind: 'egress', decision: 'blocked', identity: { subject: 'alice', job: 'flink-enrich' }, detail: { rule: 'protected:loopback' } });
  });

  it('is reachable only through a rule that names it (then KEYS * works: the refusal above is real)', async () => {
    const r = await redis();
    const p = await proxyWith({ policy: { default: 'block', hosts: { [`127.0.0.1:${r.port}`]: 'allow' } } });
    const { head, socket } = await rawConnect(p.proxy.port, `127.0.0.1:${r.port}`);
    expect(head).toBe('HTTP/1.1 200 Connection Established');
    expect(await keys(socket)).toContain('sluice:vault:');
    socket.destroy();
    expect(p.records[0]).toMatchObject({ kind: 'egress', decision: 'allowed', status: 200, detail: { address: '127.0.0.1', rule: `host:127.0.0.1:${r.port}` } });
  });

  const spellings = [
    '2130706433', '0x7f000001', '0x7f.1', '0177.0.0.1', '127.1', '127.0.0.1.', '%31%32%37.0.0.1', '[::ffff:127.0.0.1]', '[::FFFF:7f00:1]',
    '[0:0:0:0:0:ffff:7f00:1]', '[::1]', '0', '0.0.0.0', '[::]', 'LOCALHOST', 'localhost.', 'vault.localhost', 'cache.example.test',
  ];
  it.each(spellings)('refuses %s as a spelling of this host, without connecting', async (host) => {
    const r = await redis();
    // Even with an allow-all default and a rule for some *other* loopback port.
    const p = await proxyWith({ policy: { default: 'allow', hosts: { '127.0.0.1:1': 'allow' } } });
    const { head } = await rawConnect(p.proxy.port, `${host}:${r.port}`);
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    expect(r.accepted()).toBe(0);
    expect(p.records[0]).toMatchObject({ decision: 'blocked', detail: { action: 'block', rule: expect.stringMatching(/^protected:(loopback|unspecified)$/) } });
  });
});

describe("the gateway's own listeners and the proxy itself", () => {
  it('refuses `curl -x proxy http://127.0.0.1:<gateway>/metrics`, in every spelling', async () => {
    const gw = await startGateway();
    // Loopback is allowed by a rule here: the gateway is refused because it is the gateway.
    const p = await proxyWith({ policy: { default: 'allow', hosts: { '127.0.0.1': 'allow', localhost: 'allow' } }, selfListeners: [{ host: '127.0.0.1', port: gw.port }] });
    const client = plainClient(p);
    for (const host of ['127.0.0.1', '0x7f.1', '%31%32%37.0.0.1', '[::ffff:127.0.0.1]', 'localhost.', '2130706433']) {
      const res = await request(`http://${host}:${gw.port}/metrics`, { dispatcher: client });
      expect(res.statusCode, host).toBe(403);
      expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('SLUICE_EGRESS_DENIED');
    }
    expect(gw.hits).toEqual([]);
    expect(p.records.map((r) => r.detail!.rule)).toEqual(new Array(6).fill('protected:self'));
    expect(p.records[0].detail).toMatchObject({ mode: 'http', host: '127.0.0.1', port: gw.port, address: '127.0.0.1', path: '/metrics', action: 'block' });
  });

  it('refuses a CONNECT to the gateway port, and to the egress port itself (a proxy loop)', async () => {
    const gw = await startGateway();
    const p = await proxyWith({ policy: { default: 'allow', hosts: { '127.0.0.1': 'allow' } }, selfListeners: [{ host: '0.0.0.0', port: gw.port }] });
    expect((await rawConnect(p.proxy.port, `127.0.0.1:${gw.port}`)).head).toMatch(/^HTTP\/1\.1 403/);
    expect((await rawConnect(p.proxy.port, `127.0.0.1:${p.proxy.port}`)).head).toMatch(/^HTTP\/1\.1 403/);
    expect((await rawConnect(p.proxy.port, `localhost:${p.proxy.port}`)).head).toMatch(/^HTTP\/1\.1 403/);
    expect(gw.hits).toEqual([]);
    expect(p.records.map((r) => r.detail!.rule)).toEqual(['protected:self', 'protected:self', 'protected:self']);
  });

  it('reaches the gateway only through a rule that names its port', async () => {
    const gw = await startGateway();
    const p = await proxyWith({ policy: { default: 'block', hosts: { [`127.0.0.1:${gw.port}`]: 'allow' } }, selfListeners: [{ host: '127.0.0.1', port: gw.port }] });
    const res = await request(`http://127.0.0.1:${gw.port}/metrics`, { dispatcher: plainClient(p) });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(gw.hits).toEqual(['/metrics']);
  });
});

describe('host rules come first and always win', () => {
  it('a block rule for a host outside the catalogue is honoured (CONNECT and plain HTTP), without resolving', async () => {
    const echo = await startEcho();
    cleanup.push(echo.close);
    const upstream = await startRecorder();
    cleanup.push(upstream.close);
    const p = await proxyWith({ policy: { default: 'allow', hosts: { 'files.internal.test': 'block' } } });
    const { head, body } = await rawConnect(p.proxy.port, `files.internal.test:${echo.port}`);
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    expect(JSON.parse(body).error.message).toContain('host:files.internal.test');
    const res = await request(`http://FILES.internal.test.:${upstream.port}/x`, { dispatcher: plainClient(p) });
    expect(res.statusCode).toBe(403);
    await res.body.dump();
    expect(echo.accepted()).toBe(0);
    expect(upstream.seen).toEqual([]);
    expect(p.asked).toEqual([]);
    expect(p.records.map((r) => [r.kind, r.detail!.host, r.detail!.rule])).toEqual([
      ['egress', 'files.internal.test', 'host:files.internal.test'],
      ['egress', 'files.internal.test', 'host:files.internal.test'],
    ]);
  });

  it('an allow rule for a host outside the catalogue is honoured under default block', async () => {
    const echo = await startEcho();
    cleanup.push(echo.close);
    const upstream = await startRecorder();
    cleanup.push(upstream.close);
    const p = await proxyWith({ policy: { default: 'block', hosts: { 'echo.internal.test': 'allow', 'svc.internal.test': 'allow' } } });
    const { head, socket } = await rawConnect(p.proxy.port, `echo.internal.test:${echo.port}`);
    expect(head).toBe('HTTP/1.1 200 Connection Established');
    socket.destroy();
    const res = await request(`http://svc.internal.test:${upstream.port}/status`, { dispatcher: plainClient(p) });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(upstream.seen[0]).toMatchObject({ url: '/status', headers: { host: `svc.internal.test:${upstream.port}` } });
    expect(p.records.map((r) => [r.decision, r.detail!.host, r.detail!.address, r.detail!.rule])).toEqual([
      ['allowed', 'echo.internal.test', '127.0.0.1', 'host:echo.internal.test'],
      ['allowed', 'svc.internal.test', '127.0.0.1', 'host:svc.internal.test'],
    ]);
  });

  it('`localhost` rules work', async () => {
    const echo = await startEcho();
    cleanup.push(echo.close);
    const p = await proxyWith({ policy: { default: 'block', hosts: { [`localhost:${echo.port}`]: 'allow' } } });
    const { head, socket } = await rawConnect(p.proxy.port, `LocalHost.:${echo.port}`);
    expect(head).toBe('HTTP/1.1 200 Connection Established');
    socket.destroy();
    expect((await rawConnect(p.proxy.port, `localhost:${echo.port + (echo.port < 65535 ? 1 : -1)}`)).head).toMatch(/^HTTP\/1\.1 403/);
  });

  it('default block refuses plain HTTP and CONNECT to anything no rule allows, without looking it up', async () => {
    const upstream = await startRecorder();
    cleanup.push(upstream.close);
    // An address rule that allows loopback must not make the proxy resolve names that default-deny refuses.
    const p = await proxyWith({ policy: { default: 'block', hosts: { '127.0.0.1': 'allow' } } });
    expect((await rawConnect(p.proxy.port, 'example.test:443')).head).toMatch(/^HTTP\/1\.1 403/);
    const res = await request(`http://example.test:${upstream.port}/`, { dispatcher: plainClient(p) });
    expect(res.statusCode).toBe(403);
    await res.body.dump();
    expect(upstream.seen).toEqual([]);
    expect(p.asked).toEqual([]);
    expect(p.records.map((r) => [r.decision, r.detail!.mode, r.detail!.rule])).toEqual([['blocked', 'connect', 'default'], ['blocked', 'http', 'default']]);
  });
});

describe('DNS: resolved once, the checked address is the one used', () => {
  it('a glob allow rule does not reach a name that resolves to loopback', async () => {
    const echo = await startEcho();
    cleanup.push(echo.close);
    const p = await proxyWith({ policy: { default: 'block', hosts: { '*.rebind.test': 'allow' } } });
    const { head } = await rawConnect(p.proxy.port, `a.rebind.test:${echo.port}`);
    expect(head).toMatch(/^HTTP\/1\.1 403/);
    expect(echo.accepted()).toBe(0);
    expect(p.records[0].detail).toMatchObject({ host: 'a.rebind.test', address: '127.0.0.1', rule: 'protected:loopback', policyAction: 'allow' });
  });

  it('connects to the address it checked without asking the resolver again (CONNECT and plain HTTP)', async () => {
    const echo = await startEcho();
    cleanup.push(echo.close);
    const upstream = await startRecorder();
    cleanup.push(upstream.close);
    // The first answer is the checked one; any later lookup would fail, so a second resolution shows.
    const once = (n: number) => (n === 1 ? ['127.0.0.1'] : []);
    const p = await proxyWith({
      policy: { default: 'block', hosts: { 'svc.rebind.test': 'allow', 'web.rebind.test': 'allow' } },
      answers: { 'svc.rebind.test': once, 'web.rebind.test': once },
    });
    const { head, socket } = await rawConnect(p.proxy.port, `svc.rebind.test:${echo.port}`);
    expect(head).toBe('HTTP/1.1 200 Connection Established');
    socket.destroy();
    const res = await request(`http://web.rebind.test:${upstream.port}/`, { dispatcher: plainClient(p) });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(p.asked).toEqual(['svc.rebind.test', 'web.rebind.test']);
  });

  it('answers 502 for a name that does not resolve, and records it', async () => {
    const p = await proxyWith({ policy: { default: 'block', hosts: { 'gone.test': 'allow' } }, answers: { 'gone.test': [] } });
    const { head } = await rawConnect(p.proxy.port, 'gone.test:443');
    expect(head).toMatch(/^HTTP\/1\.1 502/);
    expect(p.records[0]).toMatchObject({ kind: 'egress', status: 502, error: 'SLUICE_UPSTREAM_UNREACHABLE', detail: { host: 'gone.test', rule: 'host:gone.test' } });
  });
});
