// One /metrics for the instance: the text expositions of the main thread and of every HTTP thread, summed series by
// series (counters, histogram buckets, sums and counts add up; the gauges HTTP threads export — in-flight, pool
// queue and threads — are per-thread shares of one total). Plus the requests each thread served.

interface Family {
  header: string[];
  series: Map<string, number>;
}

export function mergeExpositions(texts: readonly string[], perThreadRequests?: readonly number[]): string {
  const families = new Map<string, Family>();
  const familyOf = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { header: [], series: new Map() }));
    return f;
  };
  for (const text of texts) {
    let current: Family | undefined;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        const [, kind, name] = line.split(' ', 3);
        if (!name) continue;
        current = familyOf(name);
        if (!current.header.some((h) => h.startsWith(`# ${kind} `))) current.header.push(line);
        continue;
      }
      const space = line.lastIndexOf(' ');
      if (space <= 0) continue;
      const key = line.slice(0, space);
      const value = Number(line.slice(space + 1));
      const f = current ?? familyOf(key.replace(/\{.*$/, ''));
      f.series.set(key, (f.series.get(key) ?? 0) + (Number.isFinite(value) ? value : 0));
    }
  }
  let out = '';
  for (const f of families.values()) {
    for (const h of f.header) out += `${h}\n`;
    for (const [k, v] of f.series) out += `${k} ${v}\n`;
  }
  if (perThreadRequests) {
    out += '# HELP sluice_thread_requests_total Requests served by each HTTP thread\n# TYPE sluice_thread_requests_total counter\n';
    perThreadRequests.forEach((n, i) => (out += `sluice_thread_requests_total{thread="${i}"} ${n}\n`));
  }
  return out;
}

/** The sum of `sluice_requests_total` series in one exposition. */
export function requestsIn(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('sluice_requests_total')) continue;
    n += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return n;
}
