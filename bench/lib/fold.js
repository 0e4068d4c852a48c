// --repeat: several runs of the same phases folded into one, every number replaced by its median across
// runs; then the comparisons against "direct" are derived from the folded numbers.
import { difference, median, ratio } from './stats.js';

function foldValues(values) {
  const first = values.find((v) => v !== undefined && v !== null);
  if (typeof first === 'number') return median(values);
  if (Array.isArray(first)) return first;
  if (first !== null && typeof first === 'object') {
    const out = {};
    for (const k of Object.keys(first)) out[k] = foldValues(values.map((v) => v?.[k]));
    return out;
  }
  return first ?? null;
}

/** Rows of each run matched by `key(row)`; rows missing from some runs are folded over the runs that have them. */
export function foldRows(runs, key) {
  const groups = new Map();
  for (const rows of runs) for (const row of rows) {
    const k = key(row);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(row);
  }
  return [...groups.values()].map((rows) => ({ ...foldValues(rows), runs: rows.length }));
}

/** Adds `added*` (target − direct at the same rate) to open-loop rows. */
export function deriveOpenLoop(rows) {
  return rows.map(function withAdded(r) {
    const direct = rows.find((d) => d.target === 'direct' && d.rate === r.rate);
    return {
      ...r,
      addedP50: difference(r.latency.p50, direct?.latency.p50),
      addedP90: difference(r.latency.p90, direct?.latency.p90),
      addedP99: difference(r.latency.p99, direct?.latency.p99),
      addedP999: difference(r.latency.p999, direct?.latency.p999),
    };
  });
}

export function deriveThroughput(rows) {
  const direct = rows.find((d) => d.target === 'direct');
  const naive = rows.find((d) => d.target === 'naive');
  return rows.map((r) => ({ ...r, ratio: ratio(r.requestsPerSec, direct?.requestsPerSec), cpuRatioToNaive: ratio(r.cpuUsPerRequest, naive?.cpuUsPerRequest) }));
}

export function deriveStreaming(rows) {
  const direct = rows.find((d) => d.target === 'direct');
  return rows.map((r) => ({
    ...r,
    ttfbOverheadP50: difference(r.ttfb.p50, direct?.ttfb.p50),
    ttftOverheadP50: difference(r.ttft.p50, direct?.ttft.p50),
    ttftOverheadP99: difference(r.ttft.p99, direct?.ttft.p99),
    interTokenOverheadP50: difference(r.interToken.p50, direct?.interToken.p50),
  }));
}

/** Folds `runs` (each `{ openLoop, throughput, streaming, memory }`) and derives the comparisons. */
export function foldMacro(runs) {
  const pick = (name) => runs.map((r) => r[name] ?? []);
  return {
    openLoop: deriveOpenLoop(foldRows(pick('openLoop'), (r) => `${r.target}@${r.rate}`)),
    throughput: deriveThroughput(foldRows(pick('throughput'), (r) => r.target)),
    streaming: deriveStreaming(foldRows(pick('streaming'), (r) => r.target)),
    memory: foldRows(pick('memory'), (r) => r.target),
  };
}
