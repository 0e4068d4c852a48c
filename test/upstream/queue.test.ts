// The upstream pool's queue is bounded in size and in time: a full queue answers 503 at once, and the time a request
// waits for a free connection counts against timeouts.headersMs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { startStack, REPO, type Stack } from '../helpers/stack.js';

let stack: Stack;
let token: string;

beforeAll(async () => {
  stack = await startStack({
    policiesDir: join(REPO, 'test/fixtures/e2e/open-policy'),
    // Pools are per HTTP thread: one thread, so these connection and queue sizes are the instance's.
    config: { server: { threads: 1 } },
    override: (c) => ({
      ...c,
      connections: [
        ...c.connections,
        { ...c.connections[0], name: 'narrow', connections: 2, maxQueue: 2, default: false },
        // Margins of ~600 ms both ways, so a busy machine does not turn the first answer into a 504 too.
        { ...c.connections[0], name: 'single', connections: 1, maxQueue: 10, headersTimeoutMs: 2000, default: false },
      ],
    }),
  });
  token = await stack.token(['analysts']);
});
afterAll(async () => stack?.close());

function chat(conn: string, latencyMs: number) {
  return request(`${stack.url}/${conn}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-mock-latency-ms': String(latencyMs) },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (r) => ({ status: r.statusCode, headers: r.headers, body: await r.body.text() }));
}

describe('upstream queue', () => {
  it('answers 503 SLUICE_UPSTREAM_BUSY with retry-after when connections and queue are full', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => chat('narrow', 300)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 503, 503]);
    const busy = results.find((r) => r.status === 503)!;
    expect(busy.headers['retry-after']).toBe('1');
    expect(JSON.parse(busy.body).error.code).toBe('SLUICE_UPSTREAM_BUSY');
  });

  it('counts the wait for a free connection against headersMs', async () => {
    const [a, b] = await Promise.all([chat('single', 1400), chat('single', 1400)]);
    expect([a.status, b.status].sort()).toEqual([200, 504]);
  });
});
