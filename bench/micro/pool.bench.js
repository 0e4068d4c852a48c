// Inline vs worker-pool inspection: per-task pool overhead (4 KiB at concurrency 1 and 64) and the body size
// where the pool starts to pay off — the evidence behind the default `inspection.inlineBelowBytes`.
import { chatBody, prng } from '../lib/payload.js';

const SIZES = [1024, 4096, 16384, 65536, 262144, 1048576];

function bodyOf(bytes, rand) {
  return new TextEncoder().encode(chatBody(rand, { bytes }));
}

async function timeIt(fn, minMs) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

export async function run({ quick } = {}) {
  const { createInspector } = await import('../../dist/inspect/pool.js');
  const { inspectBody } = await import('../../dist/inspect/engine.js');
  const { defaultProfile } = await import('../../dist/inspect/profile.js');
  const profile = defaultProfile('ab'.repeat(32));
  const pool = { minThreads: 2, maxThreads: 2, idleTimeoutMs: 60_000, maxQueue: 1024, concurrentTasksPerWorker: 1, taskTimeoutMs: 10_000 };
  const inspector = createInspector({ inlineBelowBytes: 0, responseHoldBack: 0, maskResponses: true, pool });
  const rand = prng(11);
  const minMs = quick ? 150 : 500;
  const rows = [];
  try {
    for (const size of SIZES) {
      const body = bodyOf(size, rand);
      const req = () => ({ body: body.slice(), contentType: 'json', profile, session: 's' });
      for (let i = 0; i < 20; i++) await inspector.inspect(req()); // warm both paths
      const inline = await timeIt(() => inspectBody(req()), minMs);
      const pooled = await timeIt(() => inspector.inspect(req()), minMs);
      rows.push({ name: `${size >= 1024 * 1024 ? `${size / 1048576} MiB` : `${size / 1024} KiB`}: inline vs pool (µs/task, conc 1)`, opsPerSec: Math.round(1000 / inline), meanUs: inline * 1000, other: `pool ${(pooled * 1000).toFixed(1)} µs, overhead ${((pooled - inline) * 1000).toFixed(1)} µs` });
    }
    // Concurrency 64 on 4 KiB: the pool's throughput when the main thread only dispatches.
    const body = bodyOf(4096, rand);
    const t0 = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (performance.now() - t0 < minMs * 2) {
          await inspector.inspect({ body: body.slice(), contentType: 'json', profile, session: 's' });
          done++;
        }
      }),
    );
    const perTask = (performance.now() - t0) / done;
    rows.push({ name: '4 KiB: pool at concurrency 64 (µs/task, wall)', opsPerSec: Math.round(1000 / perTask), meanUs: perTask * 1000, other: `${done} tasks` });
  } finally {
    await inspector.close();
  }
  return rows;
}
