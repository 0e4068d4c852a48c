// Shadow AI end to end (issue 9): a job that ignores Sluice's base URL and calls a provider through the
// egress proxy is blocked (HTTPS), routed through the real gateway (plain HTTP with a provider key) or
// logged (keyless plain HTTP), and every call is audited and summarised for reviewers.
import dns from 'node:dns';
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import OpenAI from 'openai';
import { ProxyAgent, fetch as undiciFetch, request } from 'undici';
import { readRecords } from '../../src/audit/read.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { shadowCommand } from '../../src/shadow/cli.js';
import { startStack, REPO, type Stack } from '../helpers/stack.js';

const CARD = '4111 1111 1111 1111';
const CARD_DIGITS = '4111111111111111';
// What a job with a pasted key sends: it must never reach the provider, a log or the audit trail.
const PASTED_KEY = 'sk-proj-pastedByAnOperator0123456789abcdef';
const ROUTED_ID = 'shadow-routed-1';

let stack: Stack;
let analyst: string;
const agents: ProxyAgent[] = [];

beforeAll(async () => {
  stack = await startStack({
    config: {
      egress: {
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        // Calls carrying a provider key are routed; keyless (self-hosted style) calls are logged; any other
        // catalogued call, such as HTTPS to api.openai.com, meets the default.
        policy: { default: 'block', signatures: { 'header:*': 'route', 'path:*': 'log', 'body:*': 'log' } },
      },
    },
    // The mock provider stands in for an internal service on this host, reachable by name through one rule.
    // Loopback is allowed too, so the gateway's and the proxy's own ports are refused as Sluice's own.
    override: (c) => {
      const port = new URL(c.connections[0].baseUrl).port;
      return { ...c, egress: { ...c.egress, policy: { ...c.egress.policy, hosts: { [`localhost:${port}`]: 'log', '127.0.0.1': 'allow' } } } };
    },
  });
  analyst = await stack.token(['analysts'], 'alice', 'flink-enrich');
});
afterAll(async () => {
  for (const a of agents) await a.close();
  await stack?.close();
});

const proxyUrl = () => `http://127.0.0.1:${stack.sluice.egress!.port}`;

/** undici's ProxyAgent; `proxyTunnel: false` sends http:// targets in absolute form, as curl and requests do. */
function proxyAgent(opts: { tunnel: boolean; token?: string }): ProxyAgent {
  const a = new ProxyAgent({ uri: proxyUrl(), proxyTunnel: opts.tunnel, ...(opts.token ? { token: `Bearer ${opts.token}` } : {}) });
  agents.push(a);
  return a;
}

/** A raw CONNECT: the response head, and the body of a refusal (ProxyAgent hides it). */
function rawConnect(target: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(stack.sluice.egress!.port, '127.0.0.1');
    let buf = '';
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0 && buf.startsWith('HTTP/1.1 200')) {
        socket.destroy();
        resolve({ head: buf.slice(0, end), body: '' });
      }
    });
    socket.on('end', () => {
      const end = buf.indexOf('\r\n\r\n');
      resolve({ head: buf.slice(0, end), body: buf.slice(end + 4) });
    });
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}

describe('HTTPS (CONNECT) to a catalogued provider', () => {
  it('is refused with 403 naming Sluice\'s endpoint, decided on the host name without any DNS lookup', async () => {
    const lookup = vi.spyOn(dns, 'lookup');
    try {
      await expect(request('https://api.openai.com/v1/models', { dispatcher: proxyAgent({ tunnel: true }) })).rejects.toThrow(/\b403\b/);
      const { head, body } = await rawConnect('api.openai.com:443');
      expect(head).toMatch(/^HTTP\/1\.1 403 Forbidden/);
      const err = JSON.parse(body).error;
      expect(err.code).toBe('SLUICE_POLICY_BLOCKED');
      expect(err.message).toContain('api.openai.com');
      expect(err.message).toContain(`${stack.url}/v1`);
      // Control: a target a host rule allows is tunnelled, and resolving it is visible to the same spy.
      const passed = await rawConnect(`localhost:${new URL(stack.mock.url).port}`);
      expect(passed.head).toMatch(/^HTTP\/1\.1 200/);
      const asked = lookup.mock.calls.map((c) => String(c[0]));
      expect(asked).toContain('localhost');
      expect(asked).not.toContain('api.openai.com');
    } finally {
      lookup.mockRestore();
    }
  });
});

describe('plain HTTP with a pasted provider key, `route`', () => {
  it('goes through the gateway: identity from Proxy-Authorization, masked body, Sluice\'s own upstream credential', async () => {
    const dispatcher = proxyAgent({ tunnel: false, token: analyst });
    // The official SDK pointed straight at the provider, as a job that ignores Sluice's base URL would be.
    const job = new OpenAI({
      baseURL: 'http://api.openai.com/v1',
      apiKey: PASTED_KEY,
      maxRetries: 0,
      fetch: ((url: string, init: object) => undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch,
    });
    const before = stack.mock.received.length;
    const res = await job.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `charge ${CARD} for the renewal` }] },
      { headers: { 'x-request-id': ROUTED_ID } },
    );
    expect(res.choices[0].message.content).toContain('renewal');
    expect(stack.mock.received.length).toBe(before + 1);
    const got = stack.mock.received.at(-1)!;
    expect(got.headers['x-request-id']).toBe(ROUTED_ID); // it passed through the gateway
    expect(got.headers.authorization).toBe('Bearer sk-upstream-openai-secret');
    expect(JSON.stringify(got.headers)).not.toContain(PASTED_KEY);
    expect(JSON.stringify(got.headers)).not.toContain(analyst);
    expect(got.body.replace(/\D/g, '')).not.toContain(CARD_DIGITS);
    expect(got.body).toContain('1111'); // analysts: keep-format mask
  });
});

describe('plain HTTP without a provider key, `log`', () => {
  it('passes straight through to the target a host rule names', async () => {
    const before = stack.mock.received.length;
    const res = await request(`http://localhost:${new URL(stack.mock.url).port}/v1/chat/completions`, {
      dispatcher: proxyAgent({ tunnel: false }),
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'shadow-logged-1' },
      body: JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'hello from a notebook' }] }),
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(await res.body.json())).toContain('hello from a notebook');
    const got = stack.mock.received.at(-1)!;
    expect(stack.mock.received.length).toBe(before + 1);
    expect(got.headers['x-request-id']).toBe('shadow-logged-1');
    expect(got.headers.authorization).toBeUndefined(); // not the gateway: no credential injected
  });
});

describe('not an open proxy', () => {
  it("refuses the gateway's own /metrics and ports, and the egress port itself", async () => {
    const res = await request(`${stack.url}/metrics`, { dispatcher: proxyAgent({ tunnel: false }) });
    expect(res.statusCode).toBe(403);
    expect(((await res.body.json()) as SummaryBody).error.code).toBe('SLUICE_EGRESS_DENIED');
    const gatewayPort = new URL(stack.url).port;
    expect((await rawConnect(`127.0.0.1:${gatewayPort}`)).head).toMatch(/^HTTP\/1\.1 403/);
    expect((await rawConnect(`0x7f.1:${stack.sluice.egress!.port}`)).head).toMatch(/^HTTP\/1\.1 403/);
    // Default block: a destination no rule allows is refused too.
    expect((await rawConnect('example.com:443')).head).toMatch(/^HTTP\/1\.1 403/);
  });
});

interface SummaryBody {
  byAction: Record<string, number>;
  entries: Array<{ host: string; signatures: string[] }>;
  error: { code: string };
}

describe('GET /sluice/shadow', () => {
  const summary = async (token: string) => {
    const res = await request(`${stack.url}/sluice/shadow`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, json: (await res.body.json()) as SummaryBody };
  };

  it('summarises the calls by source and host for reviewers', async () => {
    const { status, json } = await summary(await stack.token(['reviewers'], 'rev'));
    expect(status).toBe(200);
    expect(json.byAction).toMatchObject({ block: 2, route: 1, log: 1, allow: 0 });
    const byHost = Object.fromEntries(json.entries.map((e) => [e.host, e]));
    expect(byHost['api.openai.com']).toMatchObject({ source: '127.0.0.1', provider: 'openai', count: 3, actions: { block: 2, route: 1 }, subjects: ['alice'] });
    expect(byHost['api.openai.com'].signatures).toEqual(expect.arrayContaining(['host:openai', 'header:openai-key', 'path:openai-chat']));
    expect(byHost.localhost).toMatchObject({ source: '127.0.0.1', count: 1, actions: { log: 1 } });
    expect(byHost.localhost.signatures).toEqual(expect.arrayContaining(['path:openai-chat']));
    // Calls that are not LLM calls (the refusals above) are audited but are not shadow calls.
    expect(json.entries).toHaveLength(2);
  });

  it('refuses callers outside the reviewer groups', async () => {
    const { status, json } = await summary(analyst);
    expect(status).toBe(403);
    expect(json.error.code).toBe('SLUICE_FORBIDDEN');
  });
});

describe('audit trail (read after closing)', () => {
  it('holds a shadow record per call and the routed call\'s exchange record, with no credential or raw card', async () => {
    await stack.sluice.close();
    const records: AuditRecord[] = [];
    for await (const r of readRecords(stack.auditDir)) records.push(r);
    const shadow = records.filter((r) => r.kind === 'shadow');
    expect(shadow.map((r) => r.detail!.action).sort()).toEqual(['block', 'block', 'log', 'route']);
    const routed = shadow.find((r) => r.detail!.action === 'route')!;
    expect(routed).toMatchObject({ decision: 'allowed', status: 200, source: '127.0.0.1', identity: { subject: 'alice', job: 'flink-enrich' } });
    expect(routed.detail).toMatchObject({ mode: 'http', host: 'api.openai.com', method: 'POST', path: '/v1/chat/completions', rule: 'signature:header:*' });
    expect(routed.detail!.address).toBeUndefined(); // routed to the gateway: the provider's name was never resolved
    const logged = shadow.find((r) => r.detail!.action === 'log')!;
    expect(logged).toMatchObject({ decision: 'allowed', status: 200, identity: null });
    expect(logged.detail).toMatchObject({ host: 'localhost', address: '127.0.0.1', rule: `host:localhost:${new URL(stack.mock.url).port}` });

    const egress = records.filter((r) => r.kind === 'egress').map((r) => [r.decision, r.detail!.mode, r.detail!.host, r.detail!.rule]);
    const gatewayPort = new URL(stack.url).port;
    expect(egress).toEqual([
      ['allowed', 'connect', 'localhost', `host:localhost:${new URL(stack.mock.url).port}`],
      ['blocked', 'http', '127.0.0.1', 'protected:self'],
      ['blocked', 'connect', '127.0.0.1', 'protected:self'],
      ['blocked', 'connect', '127.0.0.1', 'protected:self'],
      ['blocked', 'connect', 'example.com', 'default'],
    ]);
    expect(records.find((r) => r.kind === 'egress' && r.detail!.mode === 'http')!.detail).toMatchObject({ port: Number(gatewayPort), path: '/metrics' });
    const blocked = shadow.filter((r) => r.detail!.action === 'block');
    for (const b of blocked) expect(b).toMatchObject({ decision: 'blocked', status: 403, detail: { mode: 'connect', host: 'api.openai.com', rule: 'default' } });

    const exchange = records.find((r) => r.kind === 'exchange' && r.requestId === ROUTED_ID)!;
    expect(exchange).toMatchObject({ decision: 'masked', status: 200, connection: 'openai', identity: { subject: 'alice' } });
    expect(exchange.findings).toEqual(expect.arrayContaining([expect.objectContaining({ detector: 'card', action: 'mask' })]));
    expect(exchange.request.text).toContain('renewal');

    const raw = readdirSync(stack.auditDir).map((f) => readFileSync(join(stack.auditDir, f), 'utf8')).join('\n');
    expect(raw).not.toContain(PASTED_KEY);
    expect(raw).not.toContain(CARD);
    expect(raw).not.toContain(CARD_DIGITS);
  });
});

describe('sluice shadow scan', () => {
  it('finds the LLM calls in sample logs and exits 1', async () => {
    let out = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } };
    const files = ['squid-access.log', 'nginx-access.log', 'flows.jsonl'].map((f) => join(REPO, 'test/fixtures/shadow', f));
    expect(await shadowCommand(['scan', '--format', 'json', ...files], io)).toBe(1);
    expect(JSON.parse(out).shadow).toBeGreaterThan(0);
  });
});
