// Two Sluice instances behind a load balancer share one quota through Redis.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startStack, REPO, type Stack } from '../helpers/stack.js';
import { hasRedis, startRedis, type RedisServer } from '../helpers/redis.js';

describe.skipIf(!hasRedis)('scale-out', () => {
  let redis: RedisServer;
  let a: Stack;
  let b: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    const opts = { policiesDir: join(REPO, 'test/fixtures/e2e/quota-policy'), config: { stores: { redis: { url: redis.url, keyPrefix: 'scale:' } } } };
    a = await startStack(opts);
    b = await startStack(opts);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('enforces one quota across instances', async () => {
    const call = async (s: Stack) => {
      const res = await request(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await s.token(['analysts'], 'ann')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.body.text();
      return res.statusCode;
    };
    const statuses = [await call(a), await call(b), await call(a), await call(b)];
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
