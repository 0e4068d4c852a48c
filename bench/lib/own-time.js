// Sluice's own time per request (total minus the upstream wait), read from its Prometheus histogram
// `sluice_overhead_seconds` before and after a phase: separates Sluice's work from the queueing and CPU
// contention that end-to-end percentiles on a shared machine also contain.

/** Cumulative bucket counts `{ le: count }` summed over every label set of the histogram. */
export function parseOverheadBuckets(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('sluice_overhead_seconds_bucket')) continue;
    const m = /le="([^"]+)"\}\s+([\d.e+]+)/.exec(line);
    if (!m) continue;
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    out.set(le, (out.get(le) ?? 0) + Number(m[2]));
  }
  return out;
}

/**
 * Percentiles (upper bucket bounds, in ms) of the requests between two scrapes. Returns undefined when no
 * request was observed. A value of Infinity means the percentile lies above the largest finite bucket.
 */
export function overheadPercentiles(before, after, ps = [0.5, 0.99]) {
  const les = [...after.keys()].sort((a, b) => a - b);
  const counts = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (!(total > 0)) return undefined;
  const result = {};
  for (const p of ps) {
    const rank = Math.ceil(p * total);
    const i = counts.findIndex((c) => c >= rank);
    result[`p${String(p * 100).replace('.', '')}`] = les[i] === Infinity ? Infinity : les[i] * 1000;
  }
  result.count = total;
  return result;
}

/** Scrapes a Sluice target's /metrics (undefined for other targets or on failure). */
export async function scrapeOverhead(target) {
  const text = await scrapeMetrics(target);
  return text === undefined ? undefined : parseOverheadBuckets(text);
}

/** A Sluice target's /metrics text (undefined for other targets or on failure). */
export async function scrapeMetrics(target) {
  if (!target.name.startsWith('sluice')) return undefined;
  try {
    const res = await fetch(`${target.url}/metrics`);
    return await res.text();
  } catch {
    return undefined;
  }
}

/**
 * Event-loop utilisation of each HTTP thread since the previous scrape (`sluice_event_loop_utilization{thread}`, which
 * every scrape resets): scrape once before a phase and parse the scrape after it.
 */
export function parseThreadLoads(text) {
  const out = [];
  for (const m of (text ?? '').matchAll(/^sluice_event_loop_utilization\{thread="([^"]+)"\} ([\d.e+-]+)$/gm)) out.push({ name: `http ${m[1]}`, elu: Number(m[2]) });
  return out;
}
