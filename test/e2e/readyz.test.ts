// /readyz names every dependency a request needs, and fails when one a request cannot do without is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

type Checks = Record<string, { ok: boolean; detail?: string }>;
const readyz = async (stack: Stack) => {
  const r = await request(`${stack.url}/readyz`);
  return { status: r.statusCode, body: (await r.body.json()) as { status: string; checks: Checks } };
};

describe('/readyz', () => {
  let redis: RedisServer;
  let stack: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({ config: { server: { threads: 2 }, stores: { redis: { url: redis.url, keyPrefix: 'ready:', failOpen: false } } } });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.stop();
  });

  it('reports each dependency by name', async () => {
    const r = await readyz(stack);
    expect(r.status).toBe(200);
    // `threads` is a check only where two HTTP threads run (not on node:http before Node 22.12: one thread there).
    const threaded = stack.sluice.threads > 1 ? ['threads'] : [];
    expect(Object.keys(r.body.checks).sort()).toEqual(['audit', 'gateway', 'inspection', 'redis', ...threaded, 'upstreams']);
    expect(Object.values(r.body.checks).every((c) => c.ok)).toBe(true);
  });

  it('answers 503 naming Redis when it is gone and quotas may not fail open', async () => {
    await redis.stop();
    let r = await readyz(stack);
    for (let i = 0; i < 100 && r.status === 200; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = await readyz(stack);
    }
    expect(r.status).toBe(503);
    expect(r.body.status).toBe('not ready');
    expect(r.body.checks.redis).toMatchObject({ ok: false, detail: 'unreachable' });
    expect(r.body.checks.audit.ok).toBe(true);
  });
});
