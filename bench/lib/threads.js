// `--threads 1,2`: Sluice restarted with each `server.threads`, the same closed loop as the throughput phase, so
// the report shows whether more HTTP threads keep the throughput per CPU-second (issue 13). A value the config
// does not accept (a build without the key) is reported with the reason instead of a measurement.
import { poolFor, postChat, warmUp } from './client.js';
import { runClosedLoop } from './closed-loop.js';
import { chatBodies } from './payload.js';
import { askLoop, cpuSecondsOfTree, resetLoop } from './procs.js';
import { scrapeMetrics } from './own-time.js';
import { withThreads } from './macro.js';
import { sluiceTarget } from './targets.js';

export async function threadsPhase(stack, opts, log) {
  const bodies = chatBodies();
  const rows = [];
  for (const threads of opts.threads) {
    let target;
    try {
      target = await sluiceTarget(stack.sluiceFiles.write({ ...(opts.cell ?? {}), 'server.threads': threads }), stack.token, `sluice-t${threads}`);
      const probe = poolFor(target, 1);
      const status = await postChat(probe, target, bodies[0]);
      await probe.close();
      if (status < 200 || status >= 300) throw new Error(`a probe request answered ${status || 'a transport error'}`);
      const pool = poolFor(target, opts.connections);
      await warmUp(pool, target, bodies, { requests: 300, concurrency: Math.min(opts.connections, 32) });
      resetLoop(target.proc);
      await scrapeMetrics(target);
      const cpu0 = cpuSecondsOfTree(target.proc.pid);
      const r = await runClosedLoop({ pool, target, bodies, connections: opts.connections, durationMs: opts.durationMs });
      const cpu1 = cpuSecondsOfTree(target.proc.pid);
      const eventLoop = withThreads(await askLoop(target.proc), await scrapeMetrics(target));
      await pool.close();
      const cpuUsPerRequest = r.ok > 0 ? ((cpu1 - cpu0) * 1e6) / r.ok : null;
      const row = {
        threads,
        requestsPerSec: r.requestsPerSec,
        failed: r.failed,
        cpuUsPerRequest,
        requestsPerCpuSecond: cpuUsPerRequest ? 1e6 / cpuUsPerRequest : null,
        cpuCores: (cpu1 - cpu0) / (opts.durationMs / 1000),
        ...(eventLoop ? { eventLoop } : {}),
      };
      rows.push(row);
      log(`  threads ${threads}: ${Math.round(row.requestsPerSec)} req/s, CPU ${Math.round(cpuUsPerRequest ?? 0)} µs/request, ${Math.round(row.requestsPerCpuSecond ?? 0)} req/CPU-s, failed ${r.failed}`);
    } catch (err) {
      // The child's own error line (e.g. the config refusing the key) says more than "exited before it was ready".
      const lines = err.message.split('\n');
      const reason = (lines.find((l) => /Error: /.test(l)) ?? lines[0]).replace(/^.*?Error: (\S+\.yaml:\d+:\d+: )?/, '').slice(0, 160);
      rows.push({ threads, requestsPerSec: null, failed: null, cpuUsPerRequest: null, requestsPerCpuSecond: null, cpuCores: null, error: reason });
      log(`  threads ${threads}: FAILED: ${reason}`);
    } finally {
      await target?.proc.stop();
    }
  }
  return rows;
}
