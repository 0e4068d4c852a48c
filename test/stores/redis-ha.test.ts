// The shared stores on highly available Redis: a real multi-process Redis Cluster (3 primaries, 3 replicas) and a
// Sentinel-managed primary + replica, on loopback. The quota contract runs on the cluster; every store survives a
// primary failover without losing what was written before it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisQuotaStore } from '../../src/policy/quota-redis.js';
import { createRedisVault } from '../../src/inspect/vault-redis.js';
import { createRedisApprovalStore } from '../../src/approval/store-redis.js';
import type { Approval } from '../../src/approval/types.js';
import { connectRedis, type SharedRedis } from '../../src/redis.js';
import { cli, startRedisCluster, startRedisSentinel, type RedisCluster, type RedisSentinelSetup } from '../helpers/redis.js';
import { binding, quotaContract } from '../policy/quota-contract.js';
import { approvalRecord } from '../approval/helpers.js';

async function eventually<T>(what: string, ms: number, f: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (ok(v)) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} within ${ms} ms; last: ${String((last as Error)?.message ?? JSON.stringify(last))}`);
}

describe('stores on a Redis Cluster', { timeout: 60_000 }, () => {
  let cluster: RedisCluster;
  const conns: SharedRedis[] = [];
  const connect = async () => {
    const c = await connectRedis({ mode: 'cluster', nodes: cluster.nodes.slice(0, 2) });
    conns.push(c);
    return c;
  };
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 90_000);
  afterAll(async () => {
    for (const c of conns) await c.close();
    await cluster?.stop();
  });

  describe('quota contract', () => {
    quotaContract(async (now) => createRedisQuotaStore({ redis: await connect(), keyPrefix: 'c:', failOpen: false, now }));
  });

  it('spreads quota counters over the shards (one key per counter, no cross-slot script)', async () => {
    const store = createRedisQuotaStore({ redis: await connect(), keyPrefix: 'c:', failOpen: false });
    const many = Array.from({ length: 12 }, () => binding({ requests: 5 }));
    expect((await store.check(many)).allowed).toBe(true);
    const owners = new Set(many.map((b) => cluster.primaryFor(`c:quota:${b.key}`)));
    expect(owners.size).toBeGreaterThan(1);
  });

  it('restores vault tokens and releases approvals across instances', async () => {
    const [a, b] = [await connect(), await connect()];
    const va = createRedisVault({ redis: a, keyPrefix: 'c:' });
    const vb = createRedisVault({ redis: b, keyPrefix: 'c:' });
    await va.put('sess-c', '<card_1>', '4111 1111 1111 1111', 60_000);
    expect(await vb.get('sess-c', '<card_1>')).toBe('4111 1111 1111 1111');
    expect(await vb.preload('sess-c')).toEqual(new Map([['<card_1>', '4111 1111 1111 1111']]));

    const sa = await createRedisApprovalStore({ redis: a, keyPrefix: 'c:' });
    const sb = await createRedisApprovalStore({ redis: b, keyPrefix: 'c:' });
    const x = approvalRecord();
    await sa.create(x, 'dedupe-c');
    expect((await sb.findByKey('dedupe-c'))?.id).toBe(x.id);
    const decided = new Promise<Approval>((resolve) => sa.watch(x.id, resolve));
    expect((await sb.settle(x.id, { status: 'approved', reviewer: 'rita', comment: null, grantMinutes: null }, 1_000)).changed).toBe(true);
    expect(await decided).toMatchObject({ status: 'approved', reviewer: 'rita' });
    expect((await sa.list()).map((y) => y.id)).toContain(x.id);
  });

  it('keeps counting through a primary failover (CLUSTER FAILOVER on its replica)', async () => {
    const conn = await connect();
    const store = createRedisQuotaStore({ redis: conn, keyPrefix: 'c:', failOpen: false });
    const q = [binding({ requests: 3 })];
    const key = `c:quota:${q[0].key}`;
    for (let i = 0; i < 2; i++) expect((await store.check(q)).allowed).toBe(true);
    expect(cli(cluster.primaryFor(key), 'wait', '1', '2000').trim()).toBe('1');
    const { from, to } = await cluster.failover(key);
    expect(cluster.primaryFor(key)).toBe(to);
    expect(to).not.toBe(from);
    // Wait with a read, not with check(): a check that timed out on the client may still take a place on the server.
    const counted = await eventually('the client to read the counter on the new primary', 10_000, () => conn.cmd.hGetAll(key), () => true);
    expect(Object.entries(counted).filter(([f]) => f.startsWith('r')).reduce((n, [, v]) => n + Number(v), 0)).toBe(2);
    // The promoted replica has the two requests: one more fits, then the limit holds.
    expect((await store.check(q)).allowed).toBe(true);
    expect((await store.check(q)).allowed).toBe(false);
  });

  it('recovers when a primary is killed: requests fail open meanwhile, then the replica serves the counts', async () => {
    const conn = await connect();
    let errors = 0;
    const store = createRedisQuotaStore({ redis: conn, keyPrefix: 'c:', failOpen: true, onError: () => errors++ });
    const q = [binding({ requests: 2 })];
    expect((await store.check(q)).allowed).toBe(true);
    const key = `c:quota:${q[0].key}`;
    cli(cluster.primaryFor(key), 'wait', '1', '2000');
    await cluster.killPrimary(key);
    // Once the client follows the new primary, the one earlier request still counts: one fits, the next does not.
    await eventually('the store to reach the promoted replica', 20_000, async () => {
      const before = errors;
      const r = await store.check(q);
      return { r, failed: errors > before };
    }, (v) => !v.failed);
    expect((await store.check(q)).allowed).toBe(false);
  });
});

describe('stores behind Redis Sentinel', { timeout: 60_000 }, () => {
  let setup: RedisSentinelSetup;
  const conns: SharedRedis[] = [];
  beforeAll(async () => {
    setup = await startRedisSentinel();
  }, 60_000);
  afterAll(async () => {
    for (const c of conns) await c.close();
    await setup?.stop();
  });

  it('follows the primary through a Sentinel failover, keeping counts, tokens and approvals', async () => {
    const conn = await connectRedis({ mode: 'sentinel', nodes: setup.sentinels, masterName: setup.masterName });
    conns.push(conn);
    const store = createRedisQuotaStore({ redis: conn, keyPrefix: 's:', failOpen: false });
    const vault = createRedisVault({ redis: conn, keyPrefix: 's:' });
    const approvals = await createRedisApprovalStore({ redis: conn, keyPrefix: 's:' });
    const q = [binding({ requests: 2 })];
    expect((await store.check(q)).allowed).toBe(true);
    await vault.put('sess-s', '<email_1>', 'ann@example.com', 60_000);
    const x = approvalRecord();
    await approvals.create(x);
    cli(setup.primaryPort(), 'wait', '1', '2000');

    const { from, to } = await setup.failover();
    expect(to).not.toBe(from);

    const r = await eventually('the store to answer on the new primary', 20_000, () => store.check(q), () => true);
    expect(r.allowed).toBe(true);
    expect((await store.check(q)).allowed).toBe(false);
    expect(await vault.get('sess-s', '<email_1>')).toBe('ann@example.com');
    expect((await approvals.get(x.id))?.id).toBe(x.id);
    await approvals.closeAsync();
  });
});
