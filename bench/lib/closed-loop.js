// Throughput ceiling: `connections` workers each send the next request as soon as the last returns, for
// a fixed time. Requests/s completed is the ceiling for this machine (load tool and mock included).
import { postChat } from './client.js';
import { summarize } from './stats.js';

export async function runClosedLoop({ pool, target, bodies, connections, durationMs }) {
  const latencies = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const start = performance.now();
  const end = start + durationMs;
  async function worker() {
    while (performance.now() < end) {
      const t0 = performance.now();
      const status = await postChat(pool, target, bodies[next++ % bodies.length]);
      if (status >= 200 && status < 300) {
        ok++;
        if (latencies.length < 200_000) latencies.push(performance.now() - t0);
      } else failed++;
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsedS = (performance.now() - start) / 1000;
  return { connections, requestsPerSec: ok / elapsedS, ok, failed, latency: summarize(latencies) };
}
