// The shared quota store against a real redis-server: the store contract (sliding windows, one limit across
// instances, atomic take), scripts called by SHA, Redis's own clock, and fail-open/fail-closed when Redis is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisQuotaStore } from '../../src/policy/quota-redis.js';
import { connectRedis, type SharedRedis } from '../../src/redis.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { binding, quotaContract } from './quota-contract.js';

describe('redis quota store', () => {
  let redis: RedisServer;
  // Each store gets its own connection, as two gateway instances would.
  const conns: SharedRedis[] = [];
  const connect = async () => {
    const c = await connectRedis(redis.url);
    conns.push(c);
    return c;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of conns) await c.close();
    await redis?.stop();
  });

  quotaContract(async (now) => createRedisQuotaStore({ redis: await connect(), keyPrefix: 'test:', failOpen: false, now }));

  it("reads Redis's clock when none is given, and calls its scripts by SHA after the first load", async () => {
    const conn = await connect();
    const store = createRedisQuotaStore({ redis: conn, keyPrefix: 'test:', failOpen: false });
    const q = [binding({ requests: 2 })];
    expect((await store.check(q)).allowed).toBe(true);
    expect((await store.check(q)).allowed).toBe(true);
    const refused = await store.check(q);
    expect(refused.allowed).toBe(false);
    // Redis's clock and ours agree to within a second here: the reset is about a minute from now.
    expect(refused.allowed === false && Math.abs(refused.reset - (Date.now() / 1000 + 66))).toBeLessThan(8);
    // The script was loaded once (a NOSCRIPT on first use at most), then always run by SHA.
    expect(conn.scriptReloads).toBeLessThanOrEqual(1);
  });

  it('fails open or closed as configured when Redis is gone', async () => {
    const open = createRedisQuotaStore({ redis: await connect(), keyPrefix: 'test:', failOpen: true, onError: () => {} });
    const closed = createRedisQuotaStore({ redis: await connect(), keyPrefix: 'test:', failOpen: false, onError: () => {} });
    await redis.stop();
    expect((await open.check([binding()])).allowed).toBe(true);
    await expect(closed.check([binding()])).rejects.toMatchObject({ code: 'SLUICE_OVERLOADED', status: 503 });
  });
});
