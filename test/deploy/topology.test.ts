// compose.yaml's topology as local processes: three gateways started the way the image starts them (deploy/sluice.yaml,
// environment from compose.yaml), one redis-server on a random loopback port, a round-robin load balancer in front.
// Quotas and approvals must hold across the three. Fails (never skips) when redis-server cannot start.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { parse } from 'yaml';
import { REPO } from '../helpers/stack.js';
import { freePort, startRedis, type RedisServer } from '../helpers/redis.js';
import { makeKey, sign, startIdp, type TestIdp, type TestKey } from '../auth/idp.js';
import { startMockProvider, type MockProvider } from '../../src/demo/mock-provider.js';

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = parse(readFileSync(join(REPO, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const gatewayNames = Object.entries(compose.services).filter(([, s]) => s.image === 'sluice:local').map(([n]) => n);

let redis: RedisServer;
let idp: TestIdp;
let key: TestKey;
let mock: MockProvider;
let lb: Server;
let lbUrl: string;
const gateways: Array<{ name: string; url: string; child: ChildProcess; log: () => string }> = [];
const served: string[] = [];
let dir: string;

/** compose's `${VAR:?msg}` / `${VAR:-default}` with this test's values. */
function composeEnv(env: Record<string, string>, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    out[k] = v.replace(/\$\{(\w+)(?::[?-][^}]*)?\}/g, (_m, name: string) => {
      if (!(name in values)) throw new Error(`compose.yaml needs ${name}: the test gives no value`);
      return values[name];
    });
  }
  return out;
}

beforeAll(async () => {
  expect(gatewayNames).toEqual(['sluice-1', 'sluice-2', 'sluice-3']);
  expect(compose.services.redis).toBeDefined();
  expect(compose.services.lb).toBeDefined();
  redis = await startRedis();
  idp = await startIdp();
  key = await makeKey('ES256', 'deploy-test');
  idp.setKeys([key.publicJwk]);
  mock = await startMockProvider({ quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'sluice-topology-'));
  // /etc/sluice as the volumes mount it: deploy/sluice.yaml and a policies folder (here one with a small quota and a
  // hold rule, so sharing shows).
  const etc = join(dir, 'etc-sluice');
  const mounts = compose.services['sluice-1'].volumes ?? [];
  expect(mounts).toContain('./deploy/sluice.yaml:/etc/sluice/sluice.yaml:ro');
  cpSync(join(REPO, 'deploy/sluice.yaml'), join(etc, 'sluice.yaml'));
  cpSync(join(REPO, 'test/fixtures/e2e/quota-policy'), join(etc, 'policies'), { recursive: true });

  for (const name of gatewayNames) {
    const env = composeEnv(compose.services[name].environment ?? {}, {
      SLUICE_OIDC_ISSUER: idp.url,
      OPENAI_API_KEY: 'sk-upstream-openai-secret',
      ANTHROPIC_API_KEY: 'sk-ant-upstream-secret',
      SLUICE_INSPECTION_SECRET: 'topology-secret-0123456789abcdef',
    });
    // compose's service network becomes loopback: Redis on its random port, each gateway on its own port.
    env.REDIS_URL = `${redis.url}/0`;
    const port = await freePort();
    const child = spawn(process.execPath, [join(REPO, 'bin/sluice.js'), 'start', '--config', join(etc, 'sluice.yaml')], {
      env: {
        ...process.env, ...env, SLUICE_HOST: '127.0.0.1', SLUICE_PORT: String(port), SLUICE_AUDIT_DIR: join(dir, name, 'audit'),
        OPENAI_BASE_URL: `${mock.url}/v1`, ANTHROPIC_BASE_URL: `${mock.url}/v1`, SLUICE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    gateways.push({ name, url: `http://127.0.0.1:${port}`, child, log: () => out });
  }
  for (const g of gateways) {
    const deadline = Date.now() + 30_000;
    while (!g.log().includes('listening on')) {
      if (Date.now() > deadline || g.child.exitCode !== null) throw new Error(`${g.name} did not start:\n${g.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  // The load balancer: round robin, request by request (nginx's upstream block in deploy/compose/nginx.conf).
  const agent = new Agent({ keepAliveTimeout: 1000 });
  let next = 0;
  lb = createServer((req, res) => {
    const g = gateways[next++ % gateways.length];
    served.push(g.name);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      request(`${g.url}${req.url}`, { method: req.method as 'POST', headers: req.headers as Record<string, string>, body: chunks.length ? Buffer.concat(chunks) : undefined, dispatcher: agent })
        .then(async (r) => {
          res.writeHead(r.statusCode, r.headers as Record<string, string>);
          for await (const c of r.body) res.write(c);
          res.end();
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  const lbPort = await new Promise<number>((r) => lb.listen(0, '127.0.0.1', () => r((lb.address() as { port: number }).port)));
  lbUrl = `http://127.0.0.1:${lbPort}`;
}, 90_000);

afterAll(async () => {
  lb?.close();
  await Promise.all(gateways.map((g) => new Promise((r) => {
    if (g.child.exitCode !== null) return r(undefined);
    g.child.once('exit', r);
    g.child.kill('SIGTERM');
  })));
  await mock?.close();
  await idp?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const token = (sub: string, groups: string[], azp?: string) => sign(key, { iss: idp.url, aud: 'sluice', sub, groups, ...(azp ? { azp } : {}) });

async function chat(t: string, content: string): Promise<number> {
  const r = await request(`${lbUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  await r.body.text();
  return r.statusCode;
}

describe('compose topology: three gateways, one Redis, one load balancer', () => {
  it('starts every gateway from the image config, each ready and naming its engine', async () => {
    for (const g of gateways) {
      expect(g.log()).toContain('HTTP engine');
      expect((await request(`${g.url}/readyz`)).statusCode).toBe(200);
    }
  });

  it('counts one quota across the three gateways', async () => {
    const ann = await token('ann', ['analysts']);
    const from = served.length;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await chat(ann, 'hello'));
    expect(new Set(served.slice(from)).size).toBe(3); // every gateway took part
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('releases a request held on one gateway when a reviewer approves it through the others', async () => {
    const heldAt = served.length;
    const held = chat(await token('ada', ['agents'], 'graph'), 'export the orders table');
    const reviewer = await token('rita', ['reviewers']);
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      const list = await request(`${lbUrl}/sluice/approvals`, { headers: { authorization: `Bearer ${reviewer}` } });
      id = ((await list.body.json()) as { approvals: Array<{ id: string }> }).approvals[0]?.id;
      if (!id) await new Promise((r) => setTimeout(r, 30));
    }
    expect(id).toBeTruthy();
    // The reviewer's decision goes to a gateway other than the one holding the request.
    const other = gateways.find((g) => g.name !== served[heldAt])!;
    const ok = await request(`${other.url}/sluice/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' }, body: '{}' });
    await ok.body.text();
    expect(ok.statusCode).toBe(200);
    expect(await held).toBe(200);
  });
});
