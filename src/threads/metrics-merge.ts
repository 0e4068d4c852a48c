// One /metrics for the instance: the registries of the main thread and of every HTTP thread merged (prom-client's
// aggregation: counters, histograms and the per-thread gauges — in flight, pool queue and threads — summed per label
// set), plus the requests each thread served.
import { mergeMetrics, type MetricsSnapshot } from '../observe/metrics.js';

export async function mergeThreads(own: MetricsSnapshot, threads: readonly MetricsSnapshot[]): Promise<string> {
  let out = await mergeMetrics([own, ...threads]);
  out += '# HELP sluice_thread_requests_total Requests served by each HTTP thread\n# TYPE sluice_thread_requests_total counter\n';
  threads.forEach((s, i) => (out += `sluice_thread_requests_total{thread="${i}"} ${requestsIn(s)}\n`));
  return out;
}

/** The sum of `sluice_requests_total` over its label sets in one registry's snapshot. */
export function requestsIn(snapshot: MetricsSnapshot): number {
  const m = snapshot.find((x) => x.name === 'sluice_requests_total');
  return m ? m.values.reduce((n, v) => n + v.value, 0) : 0;
}
