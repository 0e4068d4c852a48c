// One round of the macro phases over the started targets: open loop at each rate, throughput ceiling,
// streaming latency, and memory under many slow streams.
import { poolFor, warmUp } from './client.js';
import { runClosedLoop } from './closed-loop.js';
import { runSlowStreams } from './memory.js';
import { runOpenLoop } from './open-loop.js';
import { chatBodies, streamBody } from './payload.js';
import { runStreaming } from './streaming.js';
import { askLoop, cpuSecondsOfTree, resetLoop } from './procs.js';
import { overheadPercentiles, parseOverheadBuckets, parseThreadLoads, scrapeMetrics } from './own-time.js';

const fmt = (v, d = 2) => (typeof v === 'number' ? v.toFixed(d) : '—');

/**
 * The main thread's loop (from the child) plus each HTTP thread's utilisation (from /metrics) when Sluice serves on
 * worker threads; with one thread the main thread is the HTTP thread and the list is left out.
 */
export function withThreads(main, metricsText) {
  if (!main) return main;
  const threads = parseThreadLoads(metricsText);
  return threads.length > 1 && !main.threads ? { ...main, threads } : main;
}

export async function openLoopPhase(stack, opts, log) {
  const bodies = chatBodies();
  const rows = [];
  for (const rate of opts.rates) {
    for (const target of stack.targets) {
      const pool = poolFor(target, 512);
      await warmUp(pool, target, bodies, { requests: Math.min(500, rate) });
      const beforeText = await scrapeMetrics(target);
      const loop = target.proc.child?.connected;
      if (loop) resetLoop(target.proc);
      const r = await runOpenLoop({ pool, target, bodies, rate, durationMs: opts.durationMs });
      const afterText = await scrapeMetrics(target);
      const eventLoop = loop ? withThreads(await askLoop(target.proc), afterText) : null;
      await pool.close();
      const own = beforeText && afterText ? overheadPercentiles(parseOverheadBuckets(beforeText), parseOverheadBuckets(afterText)) : undefined;
      rows.push({ target: target.name, ...r, ...(own ? { own } : {}), ...(eventLoop ? { eventLoop } : {}) });
      const ownText = own ? `  (Sluice's own time p50 ≤ ${fmt(own.p50)} p99 ≤ ${fmt(own.p99)} ms)` : '';
      log(`  open loop ${rate}/s ${target.name.padEnd(7)} p50 ${fmt(r.latency.p50)} p99 ${fmt(r.latency.p99)} p99.9 ${fmt(r.latency.p999)} ms  errors ${r.errors + r.non2xx + r.dropped}${ownText}`);
    }
  }
  return rows;
}

export async function throughputPhase(stack, opts, log) {
  const bodies = chatBodies();
  const rows = [];
  for (const target of stack.targets) {
    const pool = poolFor(target, opts.connections);
    await warmUp(pool, target, bodies, { requests: 300, concurrency: Math.min(opts.connections, 32) });
    const loop = target.proc.child.connected;
    if (loop) {
      resetLoop(target.proc);
      await scrapeMetrics(target);
    }
    const cpu0 = cpuSecondsOfTree(target.proc.pid);
    const r = await runClosedLoop({ pool, target, bodies, connections: opts.connections, durationMs: opts.durationMs });
    const cpu1 = cpuSecondsOfTree(target.proc.pid);
    const eventLoop = loop ? withThreads(await askLoop(target.proc), await scrapeMetrics(target)) : null;
    await pool.close();
    // CPU of the target's processes (every thread: HTTP, inspection pool, audit; nginx's workers) per request answered.
    const cpuUsPerRequest = cpu0 !== null && cpu1 !== null && r.ok > 0 ? ((cpu1 - cpu0) * 1e6) / r.ok : undefined;
    const cpu = cpuUsPerRequest === undefined ? {} : { cpuUsPerRequest, requestsPerCpuSecond: 1e6 / cpuUsPerRequest, cpuCores: (cpu1 - cpu0) / (opts.durationMs / 1000) };
    rows.push({ target: target.name, ...r, ...cpu, ...(eventLoop ? { eventLoop } : {}) });
    const loopText = eventLoop ? `, event loop ${fmt(eventLoop.elu * 100, 0)}% busy, delay p99 ${fmt(eventLoop.p99)} ms` : '';
    log(`  throughput ${target.name.padEnd(11)} ${fmt(r.requestsPerSec, 0)} req/s (${opts.connections} connections, failed ${r.failed})${cpuUsPerRequest === undefined ? '' : `, CPU ${fmt(cpuUsPerRequest, 0)} µs/request, ${fmt(cpu.requestsPerCpuSecond, 0)} req/CPU-s`}${loopText}`);
  }
  return rows;
}

export async function streamingPhase(stack, opts, log) {
  const body = streamBody();
  const rows = [];
  const streams = opts.quick ? 30 : 150;
  for (const target of stack.targets) {
    const pool = poolFor(target, 8);
    await runStreaming({ pool, target, body, streams: 8, concurrency: 4, tokenDelayMs: 0 });
    const r = await runStreaming({ pool, target, body, streams, concurrency: 4, tokenDelayMs: 2 });
    await pool.close();
    rows.push({ target: target.name, ...r });
    log(`  streaming ${target.name.padEnd(7)} TTFB p50 ${fmt(r.ttfb.p50)} TTFT p50 ${fmt(r.ttft.p50)} p99 ${fmt(r.ttft.p99)} inter-token p50 ${fmt(r.interToken.p50)} ms  failed ${r.failed}`);
  }
  return rows;
}

/**
 * Only processes the harness runs as one Node process are measured (Sluice and the naive proxy), each
 * restarted first so "idle" is a fresh process rather than one warmed by the load phases.
 */
export async function memoryPhase(stack, opts, log) {
  const rows = [];
  const body = streamBody({ words: 60 });
  for (const name of ['sluice', 'sluice-node', 'naive']) {
    if (!stack.find(name)) continue;
    const target = await stack.restart(name);
    const pool = poolFor(target, 8);
    await warmUp(pool, target, chatBodies({ count: 8 }), { requests: 200 });
    await pool.close();
    const r = await runSlowStreams({ proc: target.proc, target, body, streams: opts.streams, tokenDelayMs: opts.quick ? 10 : 40 });
    rows.push(r);
    log(`  memory ${name.padEnd(7)} ${r.ok}/${r.streams} streams: RSS idle ${fmt(r.idleRssMb, 1)} MB → peak ${fmt(r.peakRssMb, 1)} MB (${fmt(r.perStreamKb, 1)} KiB/stream), after ${fmt(r.afterRssMb, 1)} MB`);
  }
  return rows;
}

export async function macroRound(stack, opts, log) {
  log('open loop (latency from scheduled send time):');
  const openLoop = await openLoopPhase(stack, opts, log);
  log('throughput ceiling (closed loop):');
  const throughput = await throughputPhase(stack, opts, log);
  log('streaming (SSE):');
  const streaming = await streamingPhase(stack, opts, log);
  log(`memory (${opts.streams} concurrent slow streams):`);
  const memory = await memoryPhase(stack, opts, log);
  return { openLoop, throughput, streaming, memory };
}
