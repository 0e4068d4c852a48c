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

// Event-loop delay (bench diagnostics): how long the loop was blocked, in ms percentiles.
const eld = process.env.SLUICE_ELD ? (await import('node:perf_hooks')).monitorEventLoopDelay({ resolution: 1 }) : undefined;
eld?.enable();

process.on('message', function onMessage(msg) {
  if (msg?.type === 'eld-reset') return eld?.reset();
  if (msg?.type === 'eld') {
    const ms = (p) => (eld ? eld.percentile(p) / 1e6 : null);
    return process.send?.({ type: 'eld', p50: ms(50), p99: ms(99), p999: ms(99.9), max: eld ? eld.max / 1e6 : null });
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
 * in-process equivalent of --cpu-prof, which Node 20 refuses in NODE_OPTIONS). Used by bench/cpu.js --profile.
 */
async function startProfiler() {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(resolve(process.env.SLUICE_CPU_PROF, `sluice-${process.pid}.cpuprofile`), JSON.stringify(profile));
    },
  };
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
