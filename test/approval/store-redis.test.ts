// The shared approval store against a real redis-server: a decision on one instance reaches a watcher on another,
// concurrent deciders cannot both win, tickets dedupe, grants and expiry work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisApprovalStore, type RedisApprovalStore } from '../../src/approval/store-redis.js';
import type { Approval } from '../../src/approval/types.js';
import { approvalRecord } from './helpers.js';
import { connectRedis, type SharedRedis } from '../../src/redis.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const approval = approvalRecord;

describe('redis approval store', () => {
  let redis: RedisServer;
  let a: RedisApprovalStore;
  let b: RedisApprovalStore;
  const clients: SharedRedis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    // Two instances: two connections to one Redis.
    for (let i = 0; i < 2; i++) clients.push(await connectRedis(redis.url));
    a = await createRedisApprovalStore({ redis: clients[0], keyPrefix: 't:' });
    b = await createRedisApprovalStore({ redis: clients[1], keyPrefix: 't:' });
  });
  afterAll(async () => {
    await a?.closeAsync();
    await b?.closeAsync();
    for (const c of clients) await c.close();
    await redis?.stop();
  });

  it('releases a watcher on one instance when another decides', async () => {
    const x = approval();
    await a.create(x);
    const decided = new Promise<Approval>((resolve) => a.watch(x.id, resolve));
    const r = await b.settle(x.id, { status: 'approved', reviewer: 'rita', comment: 'ok', grantMinutes: null }, 5_000);
    expect(r.changed).toBe(true);
    const seen = await decided;
    expect(seen).toMatchObject({ status: 'approved', reviewer: 'rita', decidedAt: 5_000 });
    expect((await a.list({ status: 'approved' })).map((y) => y.id)).toContain(x.id);
  });

  it('lets exactly one of two concurrent deciders win', async () => {
    const x = approval();
    await a.create(x);
    const [r1, r2] = await Promise.all([
      a.settle(x.id, { status: 'approved', reviewer: 'rita', comment: null, grantMinutes: null }, 2_000),
      b.settle(x.id, { status: 'denied', reviewer: 'rob', comment: 'no' }, 2_000),
    ]);
    expect([r1.changed, r2.changed].filter(Boolean)).toHaveLength(1);
    expect(r1.approval?.status).toBe(r2.approval?.status);
  });

  it('finds a pending ticket by its dedupe key from another instance', async () => {
    const x = approval({ mode: 'ticket' });
    await a.create(x, 'dedupe-1');
    expect((await b.findByKey('dedupe-1'))?.id).toBe(x.id);
  });

  it('keeps standing grants until they end, and expires overdue approvals on sweep', async () => {
    const now = Date.now();
    await a.addGrant({ job: 'graph-a', subject: 'agent-7', rule: 'agents', reviewer: 'rita', approvalId: 'x', until: now + 60_000 });
    expect(await b.findGrant('graph-a', 'agents', now)).toMatchObject({ reviewer: 'rita' });
    expect(await b.findGrant('graph-a', 'agents', now + 120_000)).toBeUndefined();
    const x = approval({ createdAt: 0, expiresAt: 10 });
    await a.create(x);
    const expired = await b.sweep(20);
    expect(expired.map((y) => y.id)).toContain(x.id);
    expect((await a.get(x.id))?.status).toBe('expired');
  });
});
