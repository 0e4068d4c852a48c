// --sweep: restart Sluice once per setting of the matrix, measure open-loop p99 at the reference rate and
// the closed-loop ceiling, and name the best setting for each with the YAML to use.
import { REFERENCE_RATE } from './check.js';
import { poolFor, postChat, warmUp } from './client.js';
import { runClosedLoop } from './closed-loop.js';
import { runOpenLoop } from './open-loop.js';
import { chatBodies } from './payload.js';
import { startStack } from './stack.js';
import { difference } from './stats.js';
import { bestCell, cellToYaml, describeCell, expandAxes } from './sweep-spec.js';
import { sluiceTarget } from './targets.js';

async function measure(target, opts, bodies, rate) {
  let pool = poolFor(target, 512);
  await warmUp(pool, target, bodies, { requests: 500 });
  const open = await runOpenLoop({ pool, target, bodies, rate, durationMs: opts.durationMs });
  await pool.close();
  pool = poolFor(target, opts.connections);
  const closed = await runClosedLoop({ pool, target, bodies, connections: opts.connections, durationMs: opts.durationMs });
  await pool.close();
  return { open, closed };
}

export async function runSweep(opts, log) {
  const rate = opts.rates.includes(REFERENCE_RATE) ? REFERENCE_RATE : opts.rates[0];
  const stack = await startStack({ ...opts, targets: ['direct'] }, log);
  const bodies = chatBodies();
  const cells = [];
  try {
    const direct = stack.find('direct');
    const base = await measure(direct, opts, bodies, rate);
    log(`  direct: p99 ${base.open.latency.p99?.toFixed(2)} ms, ${Math.round(base.closed.requestsPerSec)} req/s`);
    for (const cell of expandAxes(opts.sweep)) {
      const label = describeCell(cell);
      let target;
      try {
        target = await sluiceTarget(stack.sluiceFiles.write(cell), stack.token);
        const probePool = poolFor(target, 1);
        const status = await postChat(probePool, target, bodies[0]);
        await probePool.close();
        if (status < 200 || status >= 300) throw new Error(`probe answered ${status || 'a transport error'}`);
        const { open, closed } = await measure(target, opts, bodies, rate);
        const row = {
          cell,
          label,
          p99: open.latency.p99,
          addedP99: difference(open.latency.p99, base.open.latency.p99),
          requestsPerSec: closed.requestsPerSec,
          errors: open.errors + open.non2xx + open.dropped + closed.failed,
        };
        cells.push(row);
        log(`  ${label}: p99 ${row.p99?.toFixed(2)} ms, ${Math.round(row.requestsPerSec)} req/s, errors ${row.errors}`);
      } catch (err) {
        cells.push({ cell, label, p99: null, addedP99: null, requestsPerSec: null, errors: 1, error: err.message.split('\n')[0] });
        log(`  ${label}: FAILED: ${err.message.split('\n')[0]}`);
      } finally {
        await target?.proc.stop();
      }
    }
  } finally {
    await stack.stop();
  }
  const byP99 = bestCell(cells, 'p99', true);
  const byThroughput = bestCell(cells, 'requestsPerSec', false);
  return {
    rate,
    cells,
    bestP99: byP99 && { label: byP99.label, yaml: cellToYaml(byP99.cell) },
    bestThroughput: byThroughput && { label: byThroughput.label, yaml: cellToYaml(byThroughput.cell) },
  };
}

export function sweepAdvice(sweep) {
  const out = [];
  if (sweep.bestP99) out.push(`best p99 at ${sweep.rate} req/s: ${sweep.bestP99.label}\n\n${indent(sweep.bestP99.yaml)}`);
  if (sweep.bestThroughput) out.push(`best throughput: ${sweep.bestThroughput.label}\n\n${indent(sweep.bestThroughput.yaml)}`);
  if (out.length === 0) out.push('no setting of the sweep produced a measurement (see the errors above)');
  return out.join('\n\n');
}

const indent = (s) => s.split('\n').map((l) => `    ${l}`).join('\n');
