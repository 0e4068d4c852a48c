// What tracing costs per exchange, through the calls gateway.ts makes (src/observe/tracing.ts):
// - off (no telemetry.traces): bytes allocated per exchange by those call sites, which must be 0;
// - on at sampleRatio 1 with the real OTLP/HTTP exporter posting to a collector stand-in in another process:
//   CPU per exchange (building ~10 spans, batching, serializing, sending), against the same loop with tracing off.
import { fork } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';

const RECEIVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')); });
s.listen(0, '127.0.0.1', () => process.send(s.address().port));
process.on('disconnect', () => process.exit(0));`;

function context(i) {
  return {
    id: `req-${i}`, method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, remoteAddress: '127.0.0.1',
    route: { connection: 'openai', provider: 'openai', route: 'chat.completions', upstreamPath: '/chat/completions', query: '', method: 'POST', inspect: true },
    identity: { subject: 's', groups: ['analysts'], job: 'etl', session: 'sess', via: 'jwt' },
    model: 'gpt-4o-mini', usage: { input: 12, output: 40 }, stream: false, status: 200, auditDecision: 'masked',
    findings: [], findingSummary: [{ detector: 'card', type: 'card', action: 'mask', count: 1 }], clientAborted: false,
    timings: { start: performance.now(), authMs: 0.05, upstreamHeadersMs: 0.2, upstreamMs: 0.4 },
  };
}

const NOTHING = [];
const FILTER = { mode: 'stream', push: () => NOTHING, end: () => NOTHING };
const CHUNK = new Uint8Array(16);

/** The tracing statements of one exchange in gateway.ts, in order, around no other work. */
function exchange(tracing, ctx) {
  const t0 = ctx.timings.start;
  if (tracing) tracing.begin(ctx);
  tracing?.step(ctx, 'sluice.authenticate', t0, t0 + ctx.timings.authMs);
  const tp = tracing ? performance.now() : 0;
  tracing?.step(ctx, 'sluice.policy', tp, performance.now(), { 'sluice.decision': 'allow' });
  tracing?.step(ctx, 'sluice.inspect_request', t0, t0 + 0.1, { 'sluice.inspect.where': 'inline', 'sluice.inspect.bytes': 300 });
  const tSend = t0 + 0.2;
  const traceparent = tracing?.upstreamStart(ctx, tSend);
  const filter = tracing ? tracing.timeFilter(ctx, FILTER) : FILTER;
  filter.push(CHUNK);
  filter.end();
  tracing?.upstreamEnd(ctx, tSend);
  const ta = tracing ? performance.now() : 0;
  tracing?.end(ctx, ta, undefined);
  return traceparent;
}

function gcCount() {
  let n = 0;
  const obs = new PerformanceObserver((list) => void (n += list.getEntries().length));
  obs.observe({ entryTypes: ['gc'] });
  return { get: () => n, stop: () => obs.disconnect() };
}

/** Heap bytes per call; refuses to answer when a collection ran in between (the delta would be meaningless). */
async function bytesPerCall(fn, n) {
  globalThis.gc?.();
  const gcs = gcCount();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) fn(i);
  const after = process.memoryUsage().heapUsed;
  await new Promise((r) => setImmediate(r));
  const collected = gcs.get();
  gcs.stop();
  return collected > 0 ? undefined : (after - before) / n;
}

async function cpuPerExchange(tracing, contexts, n) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    exchange(tracing, contexts[i % contexts.length]);
    // The batch processor drops spans past its queue (2048): let it export as a gateway's event loop would.
    if (i % 100 === 99) await tracing?.forceFlush();
  }
  await tracing?.forceFlush();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

export async function run({ quick }) {
  const { createTracing } = await import('../../dist/observe/tracing.js');
  const receiver = fork('-e', [RECEIVER], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    receiver.once('message', resolve);
    receiver.once('error', reject);
  });
  const tracing = createTracing({ enabled: true, endpoint: `http://127.0.0.1:${port}/v1/traces`, sampleRatio: 1, headers: {} });
  const n = quick ? 2_000 : 20_000;
  const fresh = (k) => Array.from({ length: k }, (_, i) => context(i));
  try {
    const same = context(0);
    // Warm up both paths so the JIT has compiled them before anything is measured.
    for (let i = 0; i < 20_000; i++) exchange(undefined, same);
    await cpuPerExchange(tracing, fresh(500), 1_000);
    const offCall = () => exchange(undefined, same);
    await bytesPerCall(offCall, 100_000); // the measured closure itself warmed up (interpreted calls box doubles)
    const off = await bytesPerCall(offCall, 100_000);
    const on = await bytesPerCall((i) => exchange(tracing, context(i)), 200);
    const ctxs = fresh(1_000);
    const cpuOff = await cpuPerExchange(undefined, ctxs, n);
    const cpuOn = await cpuPerExchange(tracing, fresh(1_000), n);
    const fmt = (b) => (b === undefined ? 'n/a (a GC ran during the loop)' : `${b.toFixed(2)} B`);
    console.log(`tracing off: heap allocated per exchange by the tracing call sites: ${fmt(off)} (100k exchanges)`);
    console.log(`tracing on (sampleRatio 1): heap allocated per exchange before export: ${fmt(on)}`);
    console.log(`tracing on (sampleRatio 1, OTLP/HTTP JSON to a collector in another process): CPU ${cpuOn.toFixed(1)} µs per exchange vs ${cpuOff.toFixed(2)} µs off (${n} exchanges, ~10 spans each)`);
    return [
      { name: 'tracing off: bytes allocated per exchange', value: off },
      { name: 'tracing on: CPU µs per exchange (export included)', meanUs: cpuOn },
      { name: 'tracing off: CPU µs per exchange', meanUs: cpuOff },
    ];
  } finally {
    await tracing.shutdown();
    receiver.disconnect();
  }
}
