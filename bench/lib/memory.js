// Memory: RSS of a gateway process while it carries many slow streams at once, and RSS drift over a
// soak. RSS is read from /proc (Linux); for the Sluice child heap numbers come over IPC after a full GC.
import { poolFor } from './client.js';
import { runOpenLoop } from './open-loop.js';
import { askMemory, rssOf } from './procs.js';
import { timeStream } from './streaming.js';

const MB = 1024 * 1024;
const mb = (bytes) => (typeof bytes === 'number' ? bytes / MB : null);

async function settledRss(proc) {
  const m = proc.child.connected ? await askMemory(proc, { gc: true }) : null;
  return m?.rss ?? rssOf(proc.pid);
}

/**
 * Opens `streams` SSE streams at once through `target` (ramped over ~1 s so the accept queue is not the
 * test), each emitting `events` deltas `tokenDelayMs` apart, and samples the process's RSS meanwhile.
 */
export async function runSlowStreams({ proc, target, body, streams, tokenDelayMs }) {
  const pool = poolFor(target, streams);
  const idle = await settledRss(proc);
  let peak = idle ?? 0;
  const sampler = setInterval(() => {
    const r = rssOf(proc.pid);
    if (r !== null && r > peak) peak = r;
  }, 100);
  const started = performance.now();
  const headers = { 'x-mock-token-delay-ms': String(tokenDelayMs) };
  const runs = [];
  for (let i = 0; i < streams; i++) {
    runs.push(timeStream(pool, target, body, headers));
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 50));
  }
  const results = await Promise.all(runs);
  clearInterval(sampler);
  const wallMs = performance.now() - started;
  const after = await settledRss(proc);
  await pool.close();
  const ok = results.filter((r) => r.ok).length;
  return {
    target: target.name,
    streams,
    ok,
    failed: streams - ok,
    tokenDelayMs,
    wallMs,
    idleRssMb: mb(idle),
    peakRssMb: mb(peak),
    perStreamKb: idle !== null ? ((peak - idle) / streams) / 1024 : null,
    afterRssMb: mb(after),
  };
}

/** Least-squares slope of y over x. */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** Open-loop load in 30 s segments for `minutes`, RSS after a full GC between segments; bounded by `minutes`. */
export async function runSoak({ proc, target, bodies, rate, minutes, log }) {
  const pool = poolFor(target, 256);
  const segmentMs = Math.min(30_000, minutes * 60_000);
  const segments = Math.max(1, Math.round((minutes * 60_000) / segmentMs));
  const samples = [];
  const t0 = performance.now();
  for (let s = 0; s < segments; s++) {
    const r = await runOpenLoop({ pool, target, bodies, rate, durationMs: segmentMs });
    const rss = await settledRss(proc);
    const atMin = (performance.now() - t0) / 60_000;
    samples.push({ atMin, rssMb: mb(rss), p99: r.latency.p99, errors: r.errors + r.non2xx + r.dropped });
    log?.(`  soak ${atMin.toFixed(1)} min: RSS ${mb(rss)?.toFixed(1)} MB, p99 ${r.latency.p99?.toFixed(2)} ms`);
  }
  await pool.close();
  // The first segment warms caches and pools; drift is judged on the rest.
  const steady = samples.length > 2 ? samples.slice(1) : samples;
  const perMin = slope(steady.map((s) => s.atMin), steady.map((s) => s.rssMb));
  return {
    target: target.name,
    rate,
    minutes,
    samples,
    startRssMb: steady[0]?.rssMb ?? null,
    endRssMb: steady.at(-1)?.rssMb ?? null,
    driftMb: steady.length > 0 ? steady.at(-1).rssMb - steady[0].rssMb : null,
    slopeMbPerMin: perMin,
  };
}
