// Scale-out with one audit trail: three gateways share a Redis Cluster (quotas, vault, approvals) and ship their
// audit files to one PostgreSQL. Under load the database is killed and brought back, a Redis primary fails over,
// and one gateway (a child process) is killed with SIGKILL and restarted on its folder. Afterwards
// `sluice audit verify --db` finds every chain complete and equal to its files, and a tampered row is caught.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool as HttpPool } from 'undici';
import { stringify } from 'yaml';
import { startStack, REPO, type Stack } from '../helpers/stack.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { ensureDemoIssuer, demoIssuerEntry, mintDemoToken } from '../../src/demo/issuer.js';
import { startMockProvider, type MockProvider } from '../../src/demo/mock-provider.js';
import { createPool, migrate, type Pool } from '../../src/audit/db/pg.js';
import { compareWithFiles } from '../../src/audit/db/query.js';
import { instanceId } from '../../src/audit/db/sink.js';
import { readLines } from '../../src/audit/read.js';
import { auditCommand } from '../../src/audit/cli.js';

const T = 'sluice_audit';

function io() {
  let out = '';
  return { io: { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((out += s), true) } } as never, out: () => out };
}

function startChild(configFile: string): Promise<{ kill: () => Promise<void>; stop: () => Promise<void>; url: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin/sluice.js'), 'start', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1], kill: () => (child.kill('SIGKILL'), exited), stop: () => (child.kill('SIGTERM'), exited) });
    });
    child.on('exit', (code) => reject(new Error(`sluice exited early (${code}): ${err}`)));
  });
}

describe('three gateways, one PostgreSQL audit store, a Redis Cluster', { timeout: 180_000 }, () => {
  let pg: PgServer;
  let db: Pool;
  let cluster: RedisCluster;
  let mock: MockProvider;
  const stacks: Stack[] = [];
  let dir: string;

  beforeAll(async () => {
    [pg, cluster, mock] = await Promise.all([startPostgres(), startRedisCluster(3), startMockProvider({ quiet: true, maxReceived: 0 })]);
    db = createPool({ url: pg.url, max: 2 });
    await migrate(db, T);
    dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-pg-'));
  }, 120_000);
  afterAll(async () => {
    for (const s of stacks) await s.close().catch(() => undefined);
    await db?.end();
    await Promise.all([pg?.stop(), cluster?.stop(), mock?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loses and duplicates nothing through a database restart, a Redis failover and a kill -9', async () => {
    const shared = {
      stores: { redis: { mode: 'cluster', nodes: cluster.nodes.slice(0, 2), keyPrefix: 'e2e:', failOpen: true } },
      audit: { fsync: 'always', payloads: 'truncated', sinks: ['file', 'postgres'], postgres: { url: pg.url, batchMaxRecords: 100, batchMaxMs: 20 } },
    };
    for (let i = 0; i < 2; i++) {
      const s = await startStack({ config: { ...shared, audit: { ...shared.audit } } });
      stacks.push(s);
    }
    // The third gateway runs as its own process, so it can be killed with SIGKILL.
    const demo = await ensureDemoIssuer(join(dir, 'demo'));
    const childAudit = join(dir, 'audit');
    const file = join(dir, 'sluice.yaml');
    writeFileSync(file, stringify({
      server: { host: '127.0.0.1', port: 0 },
      identity: { issuers: [demoIssuerEntry(demo)], allowJobHeader: true },
      connections: [{ name: 'openai', provider: 'openai', baseUrl: `${mock.url}/v1`, credential: 'sk-upstream', default: true }],
      policies: { dir: join(REPO, 'policies'), watch: false, secret: 'e2e-secret-0123456789abcdef' },
      ...shared,
      audit: { ...shared.audit, dir: childAudit },
      logging: { level: 'warn' },
    }));
    let child = await startChild(file);

    const body = (n: number) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `turn ${n}: card 4111 1111 1111 1111` }] });
    const targets = async () => [
      ...(await Promise.all(stacks.map(async (s) => ({ url: s.url, token: await s.token(['streaming-jobs'], 'svc', 'flink') })))),
      { url: child.url, token: await mintDemoToken(join(dir, 'demo'), { subject: 'svc', groups: ['streaming-jobs'], job: 'flink' }) },
    ];
    let sent = 0;
    let answered = 0;
    const run = async (count: number) => {
      const ts = await targets();
      const pools = ts.map((t) => new HttpPool(t.url, { connections: 4 }));
      await Promise.all(Array.from({ length: 12 }, async (_, w) => {
        for (let k = 0; k < count; k++) {
          const n = ++sent;
          const t = (w + k) % ts.length;
          try {
            const r = await pools[t].request({ method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${ts[t].token}`, 'content-type': 'application/json', 'x-sluice-session': `sess-${n % 5}` }, body: body(n) });
            await r.body.text();
            answered++;
          } catch {
            // the killed gateway
          }
        }
      }));
      await Promise.all(pools.map((p) => p.destroy()));
    };

    await run(10);
    await pg.kill();
    const during = run(10);
    await cluster.failover('e2e:quota:any');
    await during;
    // The outage is visible, never a silent gap: /readyz names it (and stays ready: the files hold every record),
    // /metrics counts the records waiting.
    const ready = (await (await fetch(`${stacks[0].url}/readyz`)).json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
    expect(ready.checks.audit_db).toMatchObject({ ok: true, detail: expect.stringMatching(/^failing \(.+\); [1-9]\d* record\(s\), [\d.]+ s behind$/) });
    const lag = /^sluice_audit_db_lag_records (\d+)$/m.exec(await (await fetch(`${stacks[0].url}/metrics`)).text());
    expect(Number(lag?.[1])).toBeGreaterThan(0);
    await pg.start();
    const load = run(10);
    await new Promise((r) => setTimeout(r, 300));
    await child.kill();
    await load;
    child = await startChild(file);
    await run(5);
    expect(answered).toBeGreaterThan(300);

    // Every gateway's folder ends up in the database: equal record by record, within a few seconds.
    const folders = [...stacks.map((s) => s.auditDir), childAudit];
    for (const f of folders) {
      const id = instanceId(f);
      const end = Date.now() + 30_000;
      let c = await compareWithFiles(db, T, id, readLines(f));
      while ((c.missing.length > 0 || c.compared === 0) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        c = await compareWithFiles(db, T, id, readLines(f));
      }
      expect({ folder: f, ...c, missing: c.missing.length }).toMatchObject({ missing: 0, different: [], extra: 0 });
    }
    const after = (await (await fetch(`${stacks[0].url}/readyz`)).json()) as { checks: Record<string, { detail?: string }> };
    expect(after.checks.audit_db.detail).toMatch(/^shipping; 0 record\(s\), 0 s behind$/);
    await child.stop();
    const dupes = pg.psql(`SELECT count(*) FROM (SELECT instance, seq FROM ${T} GROUP BY 1, 2 HAVING count(*) > 1) d`).trim();
    expect(dupes).toBe('0');
    const exchanges = Number(pg.psql(`SELECT count(*) FROM ${T} WHERE kind = 'exchange'`).trim());
    expect(exchanges).toBeGreaterThanOrEqual(answered);
    expect(pg.psql(`SELECT count(*) FROM ${T} WHERE line LIKE '%4111 1111 1111 1111%'`).trim()).toBe('0');

    const verify = io();
    expect(await auditCommand(['verify', '--db', pg.url], verify.io)).toBe(0);
    expect(verify.out().match(/^OK /gm)).toHaveLength(3);
    for (const f of folders) {
      const one = io();
      expect(await auditCommand(['verify', '--db', pg.url, '--dir', f], one.io), one.out()).toBe(0);
      expect(one.out()).toMatch(/EQUAL: \d+ record\(s\)/);
    }

    const victim = instanceId(stacks[0].auditDir);
    pg.psql(`UPDATE ${T} SET line = replace(line, '"status":200', '"status":201') WHERE instance = '${victim}' AND seq = (SELECT min(seq) FROM ${T} WHERE instance = '${victim}' AND kind = 'exchange')`);
    const caught = io();
    expect(await auditCommand(['verify', '--db', pg.url], caught.io)).toBe(1);
    expect(caught.out()).toContain(`FAILED ${victim}`);
    expect(caught.out()).toMatch(/hash_mismatch/);
  });
});
