// Two Sluice instances behind a load balancer share one quota through Redis.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startStack, REPO, type Stack } from '../helpers/stack.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

describe('scale-out', () => {
  let redis: RedisServer;
  let a: Stack;
  let b: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    const opts = { policiesDir: join(REPO, 'test/fixtures/e2e/quota-policy'), config: { stores: { redis: { url: redis.url, keyPrefix: 'scale:' } } } };
    // Each stack trusts its own demo issuer; reviewers and requesters below use tokens of the instance they call.
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

  it('restores a token on another instance than the one that issued it', async () => {
    const chat = async (s: Stack, content: string, headers: Record<string, string> = {}) => {
      const res = await request(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await s.token(['streaming-jobs'], 'svc', 'flink')}`, 'content-type': 'application/json', 'x-sluice-session': 'shared-7', ...headers },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
      });
      return JSON.parse(await res.body.text());
    };
    await chat(a, 'remember 4111 1111 1111 1111');
    const token = /<card_[0-9a-f]+>/.exec(a.mock.received.at(-1)!.body)![0];
    const later = await chat(b, 'which card?', { 'x-mock-reply': `It was ${token}.` });
    expect(later.choices[0].message.content).toBe('It was 4111 1111 1111 1111.');
  });

  it('releases a request held on one instance when a reviewer approves it on another', async () => {
    const held = (async () => {
      const res = await request(`${a.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await a.token(['agents'], 'ada', 'graph')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export the orders table' }] }),
      });
      await res.body.text();
      return res.statusCode;
    })();
    const reviewer = await b.token(['reviewers'], 'rita');
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      const list = await request(`${b.url}/sluice/approvals`, { headers: { authorization: `Bearer ${reviewer}` } });
      id = ((await list.body.json()) as { approvals: Array<{ id: string }> }).approvals[0]?.id;
      if (!id) await new Promise((r) => setTimeout(r, 20));
    }
    expect(id).toBeTruthy();
    const ok = await request(`${b.url}/sluice/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' }, body: '{}' });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    expect(await held).toBe(200);
  });
});
