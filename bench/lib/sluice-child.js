// `node --expose-gc bench/lib/sluice-child.js <sluice.yaml>`: Sluice alone in its own process, so the load
// generator and the mock never share its event loop. Prints its URL once listening; answers
// `{type:'memory', gc}` IPC messages with process.memoryUsage() (after a full GC when asked and exposed).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../../dist/config/load.js';
import { startSluice } from '../../dist/main.js';
import { silentLogger } from '../../dist/observe/logger.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/lib/sluice-child.js <sluice.yaml>\n');
  process.exit(2);
}
const abs = resolve(file);
const profiler = process.env.SLUICE_CPU_PROF ? await startProfiler() : undefined;
const sluice = await startSluice(parseConfig(readFileSync(abs, 'utf8'), abs), { logger: silentLogger() });
process.stdout.write(`${sluice.url}\n`);

// Event-loop delay and utilisation of the main thread (bench diagnostics), since the last `eld-reset`. A 10 ms
// sampling timer costs next to nothing; the delay it records is exact. When Sluice runs HTTP threads of its own and
// exposes `loopStats()`, their figures are passed on as `threads`.
const { monitorEventLoopDelay, performance } = await import('node:perf_hooks');
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
let eluMark = performance.eventLoopUtilization();

process.on('message', async function onMessage(msg) {
  if (msg?.type === 'eld-reset') {
    eld.reset();
    eluMark = performance.eventLoopUtilization();
    return;
  }
  if (msg?.type === 'eld') {
    const ms = (p) => eld.percentile(p) / 1e6;
    const elu = performance.eventLoopUtilization(eluMark).utilization;
    const threads = typeof sluice.loopStats === 'function' ? await sluice.loopStats() : undefined;
    return process.send?.({ type: 'eld', elu, p50: ms(50), p99: ms(99), p999: ms(99.9), max: eld.max / 1e6, ...(threads ? { threads } : {}) });
  }
  if (msg?.type === 'cpu') {
    const u = process.cpuUsage();
    return process.send?.({ type: 'cpu', cpu: u.user + u.system });
  }
  if (msg?.type !== 'memory') return;
  if (msg.gc && typeof globalThis.gc === 'function') globalThis.gc();
  process.send?.({ type: 'memory', memory: process.memoryUsage() });
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  sluice
    .close()
    .then(async () => {
      await profiler?.stop();
      process.exit(0);
    })
    .catch(() => process.exit(1));
}

/**
 * `SLUICE_CPU_PROF=dir`: a V8 CPU profile of the main thread, written to `dir/sluice-PID.cpuprofile` on stop (the
 * in-process equivalent of --cpu-prof, which Node 20 refuses in NODE_OPTIONS); with `SLUICE_HEAP_PROF=1` a sampling
 * heap profile (allocations by call site) instead. Used by bench/cpu.js --profile / --heap.
 */
async function startProfiler() {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const heap = process.env.SLUICE_HEAP_PROF === '1';
  if (heap) await session.post('HeapProfiler.startSampling', { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  else {
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  return {
    async stop() {
      const { profile } = await session.post(heap ? 'HeapProfiler.stopSampling' : 'Profiler.stop');
      writeFileSync(resolve(process.env.SLUICE_CPU_PROF, `sluice-${process.pid}.${heap ? 'heapprofile' : 'cpuprofile'}`), JSON.stringify(profile));
    },
  };
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
