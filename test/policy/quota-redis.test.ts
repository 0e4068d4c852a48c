// The shared quota store against a real redis-server: one limit across instances, atomic check-and-take,
// token accounting, and the fail-open/fail-closed choice when Redis is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisQuotaStore } from '../../src/policy/quota-redis.js';
import { closeRedis, connectRedis, type RedisClient } from '../../src/redis.js';
import type { QuotaBinding } from '../../src/policy/quota.js';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';

const binding = (over: Partial<QuotaBinding> = {}): QuotaBinding => ({
  rule: 'r1', per: 'subject', subject: 'subject:ann', key: `r1|subject:ann|1m|${Math.random()}`, requests: 3, window: '1m', windowSeconds: 60, ...over,
});

describe.skipIf(!hasRedis)('redis quota store', () => {
  let redis: RedisServer;
  // Each store gets its own connection, as two gateway instances would.
  const clients: RedisClient[] = [];
  const store = async (failOpen = true) => {
    const client = await connectRedis(redis.url);
    clients.push(client);
    return createRedisQuotaStore({ client, keyPrefix: 'test:', failOpen, onError: () => {} });
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) await closeRedis(c);
    await redis?.stop();
  });

  it('enforces one request limit across two instances, with rate-limit headers', async () => {
    const [a, b] = [await store(), await store()];
    const q = binding();
    const results = [await a.check([q]), await b.check([q]), await a.check([q]), await b.check([q])];
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[2].headers['x-ratelimit-remaining-requests']).toBe('0');
    const refused = results[3];
    expect(refused.allowed === false && refused.kind).toBe('requests');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('takes atomically under concurrency: exactly the limit gets through', async () => {
    const [a, b] = [await store(), await store()];
    const q = binding({ requests: 25 });
    const all = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).check([q])));
    expect(all.filter((r) => r.allowed).length).toBe(25);
  });

  it('counts tokens reported after the exchange', async () => {
    const s = await store();
    const q = binding({ requests: undefined, tokens: 100 });
    expect((await s.check([q])).allowed).toBe(true);
    await s.record({ bindings: [q], tokens: 120 });
    const r = await s.check([q]);
    expect(r.allowed === false && r.kind).toBe('tokens');
  });

  it('fails open or closed as configured when Redis is gone', async () => {
    const open = await store(true);
    const closed = await store(false);
    await redis.stop();
    expect((await open.check([binding()])).allowed).toBe(true);
    await expect(closed.check([binding()])).rejects.toMatchObject({ code: 'SLUICE_OVERLOADED', status: 503 });
  });
});
