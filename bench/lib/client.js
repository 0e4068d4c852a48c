// The load tool's HTTP side: one undici Pool per target and a request that reads the whole response.
import { Pool } from 'undici';

export const CHAT_PATH = '/v1/chat/completions';
const TIMEOUT_MS = 15_000;

export function poolFor(target, connections) {
  return new Pool(target.url, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    connect: { timeout: 5_000 },
  });
}

/** POST one chat body; resolves to the status (0 on a transport error), never rejects. */
export async function postChat(pool, target, body) {
  try {
    const res = await pool.request({
      method: 'POST',
      path: CHAT_PATH,
      headers: { 'content-type': 'application/json', ...target.headers },
      body,
    });
    await res.body.arrayBuffer();
    return res.statusCode;
  } catch {
    return 0;
  }
}

/** Runs `fn` once per body in turn, a few at a time: warms connections, JIT and caches before measuring. */
export async function warmUp(pool, target, bodies, { requests = 200, concurrency = 8 } = {}) {
  let next = 0;
  let failures = 0;
  let lastStatus = 0;
  async function worker() {
    while (next < requests) {
      const status = await postChat(pool, target, bodies[next++ % bodies.length]);
      if (status < 200 || status >= 300) {
        failures++;
        lastStatus = status;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { failures, lastStatus };
}
