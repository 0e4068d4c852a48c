// Output: aligned tables on the terminal, a markdown summary and the full JSON in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineNote } from './machine.js';

const n = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');
const signed = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(d)}` : '—');
const count = (v) => (typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : '—');

const KNOWN_MICRO = new Set(['name', 'opsPerSec', 'meanUs', 'p99Us', 'rme', 'samples', 'mbPerSec', 'error']);

/** Fields a micro file reported beyond the standard columns (e.g. a speed-up ratio), as `key=value`. */
function otherFields(row) {
  return Object.entries(row)
    .filter(([k, v]) => !KNOWN_MICRO.has(k) && (typeof v === 'number' || typeof v === 'string'))
    .map(([k, v]) => `${k}=${typeof v === 'number' ? n(v) : v}`)
    .join(' ');
}

/** Rows of cells → column-aligned text (first column left, the rest right). */
export function textTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Every table of the report as `{ title, header, rows }`, shared by both renderings. */
export function reportTables(result) {
  const tables = [];
  for (const m of result.micro ?? []) {
    if (m.error) tables.push({ title: `micro: ${m.file}`, header: ['status'], rows: [[`failed: ${m.error}`]] });
    else if (m.rows.length > 0) {
      tables.push({
        title: `micro: ${m.file}`,
        header: ['task', 'ops/s', 'mean µs', 'p99 µs', '±%', 'MB/s', 'other'],
        rows: m.rows.map((r) => (r.error ? [r.name, 'error', r.error, '', '', '', ''] : [r.name, count(r.opsPerSec), n(r.meanUs), n(r.p99Us), n(r.rme, 1), n(r.mbPerSec, 1), otherFields(r)])),
      });
    }
  }
  if (result.targets?.length) {
    tables.push({ title: 'targets', header: ['target', 'status', 'note'], rows: result.targets.map((t) => [t.name, t.status, (t.reason ?? '').split('\n')[0].slice(0, 120)]) });
  }
  if (result.openLoop?.length) {
    tables.push({
      title: 'open loop: latency in ms from the scheduled send time; added = target − direct at the same rate',
      header: ['rate/s', 'target', 'p50', 'p90', 'p99', 'p99.9', 'added p50', 'added p99', 'added p99.9', 'errors', 'achieved/s'],
      rows: result.openLoop.map((r) => [r.rate, r.target, n(r.latency.p50), n(r.latency.p90), n(r.latency.p99), n(r.latency.p999), signed(r.addedP50), signed(r.addedP99), signed(r.addedP999), count(r.errors + r.non2xx + r.dropped), count(r.achievedRate)]),
    });
  }
  const own = (result.openLoop ?? []).filter((r) => r.own);
  if (own.length) {
    tables.push({
      title: "Sluice's own time per request (total − upstream wait, from its /metrics histogram; bucket upper bounds, ms)",
      header: ['rate/s', 'requests', 'p50 ≤', 'p99 ≤'],
      rows: own.map((r) => [r.rate, count(r.own.count), n(r.own.p50), n(r.own.p99)]),
    });
  }
  if (result.throughput?.length) {
    tables.push({
      title: 'throughput ceiling (closed loop); CPU = user + system of every thread of the target\'s processes per request answered',
      header: ['target', 'req/s', 'vs direct', 'p50 ms', 'p99 ms', 'CPU µs/req', 'CPU vs naive', 'req/CPU-s', 'cores used', 'failed'],
      rows: result.throughput.map((r) => [
        r.target, count(r.requestsPerSec), n(r.ratio), n(r.latency.p50), n(r.latency.p99), n(r.cpuUsPerRequest, 0),
        n(r.cpuRatioToNaive), count(r.requestsPerCpuSecond), n(r.cpuCores), count(r.failed),
      ]),
    });
  }
  const loops = [
    ...(result.openLoop ?? []).filter((r) => r.eventLoop).map((r) => [`open loop ${r.rate}/s`, r]),
    ...(result.throughput ?? []).filter((r) => r.eventLoop).map((r) => ['closed loop', r]),
  ];
  if (loops.length) {
    tables.push({
      title: 'event loop of each Sluice thread: utilisation; delay of a 10 ms timer in ms (main thread; HTTP threads report utilisation)',
      header: ['phase', 'target', 'thread', 'busy %', 'delay p50', 'delay p99', 'delay max'],
      rows: loops.flatMap(([phase, r]) =>
        [{ thread: 'main', ...r.eventLoop }, ...(r.eventLoop.threads ?? []).map((t, i) => ({ thread: t.name ?? `http ${i + 1}`, ...t }))].map((t) => [
          phase, r.target, t.thread, n(t.elu * 100, 0), n(t.p50), n(t.p99), n(t.max),
        ]),
      ),
    });
  }
  if (result.threads?.length) {
    tables.push({
      title: 'server.threads (closed loop, Sluice restarted per setting)',
      header: ['threads', 'req/s', 'CPU µs/req', 'req/CPU-s', 'cores used', 'failed', 'note'],
      rows: result.threads.map((r) => [r.threads, count(r.requestsPerSec), n(r.cpuUsPerRequest, 0), count(r.requestsPerCpuSecond), n(r.cpuCores), count(r.failed), r.error ?? '']),
    });
  }
  if (result.auditStore) {
    const a = result.auditStore;
    tables.push({
      title: `audit store (PostgreSQL): CPU of the Sluice process per request, ${count(a.requests)} requests × ${a.repeat} interleaved rounds; catch-up after an outage`,
      header: ['sinks [file] µs/req', '[file, postgres] µs/req', 'store cost µs/req', 'bytes/record', 'backlog shipped', 'catch-up s', 'catch-up records/s'],
      rows: [[n(a.fileUsPerRequest, 0), n(a.storeUsPerRequest, 0), signed(a.costUsPerRequest, 0), count(a.lineBytes), count(a.catchUp.shipped), n(a.catchUp.seconds), count(a.catchUp.recordsPerSecond)]],
    });
  }
  if (result.streaming?.length) {
    tables.push({
      title: 'streaming (SSE, ms): TTFB = first body byte, TTFT = first content delta',
      header: ['target', 'TTFB p50', 'TTFT p50', 'TTFT p99', 'inter-token p50', 'inter-token p99', 'TTFB +p50', 'TTFT +p50', 'failed'],
      rows: result.streaming.map((r) => [r.target, n(r.ttfb.p50), n(r.ttft.p50), n(r.ttft.p99), n(r.interToken.p50), n(r.interToken.p99), signed(r.ttfbOverheadP50, 3), signed(r.ttftOverheadP50, 3), count(r.failed)]),
    });
  }
  if (result.memory?.length) {
    tables.push({
      title: 'memory under concurrent slow streams',
      header: ['target', 'streams ok', 'idle RSS MB', 'peak RSS MB', 'KiB/stream', 'after RSS MB'],
      rows: result.memory.map((r) => [r.target, `${count(r.ok)}/${count(r.streams)}`, n(r.idleRssMb, 1), n(r.peakRssMb, 1), n(r.perStreamKb, 1), n(r.afterRssMb, 1)]),
    });
  }
  if (result.soak) {
    const s = result.soak;
    tables.push({
      title: `soak: ${s.minutes} min at ${s.rate} req/s through ${s.target}`,
      header: ['start RSS MB', 'end RSS MB', 'drift MB', 'MB/min'],
      rows: [[n(s.startRssMb, 1), n(s.endRssMb, 1), signed(s.driftMb, 1), signed(s.slopeMbPerMin, 2)]],
    });
  }
  if (result.sweep) {
    tables.push({
      title: 'sweep',
      header: ['setting', `p99 ms @${result.sweep.rate}/s`, 'added p99', 'req/s', 'errors'],
      rows: result.sweep.cells.map((c) => [c.label, n(c.p99), signed(c.addedP99), count(c.requestsPerSec), count(c.errors)]),
    });
  }
  return tables;
}

export function renderText(result) {
  const head = `Sluice benchmark — ${result.startedAt}\nmachine: ${machineNote(result.machine)}`;
  const body = reportTables(result).map((t) => `\n${t.title}\n${textTable(t.header, t.rows)}`);
  return [head, ...body, ...(result.notes ?? []).map((x) => `\nnote: ${x}`)].join('\n');
}

export function renderMarkdown(result) {
  const m = result.machine;
  const lines = [
    `# Sluice benchmark, ${result.startedAt}`,
    '',
    `- machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GiB, ${m.platform}; load average at start ${m.loadAverage.join(' ')}`,
    `- Node ${m.node}${m.nginx ? `; ${m.nginx}` : '; nginx not installed'}`,
    `- command: \`npm run bench -- ${result.argv.join(' ')}\`${result.options.repeat > 1 ? ` (medians of ${result.options.repeat} runs)` : ''}`,
    `- ${machineNote(m)}`,
  ];
  for (const t of reportTables(result)) lines.push('', `## ${t.title}`, '', markdownTable(t.header, t.rows));
  for (const x of result.notes ?? []) lines.push('', `> ${x}`);
  if (result.check) lines.push('', '## check', '', ...result.check.lines.map((l) => `    ${l}`));
  return `${lines.join('\n')}\n`;
}

/** Writes `<stamp>.json` and `<stamp>.md` into `dir`; returns their paths. */
export function writeResults(result, dir) {
  mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const json = join(dir, `${stamp}.json`);
  const md = join(dir, `${stamp}.md`);
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(md, renderMarkdown(result));
  return { json, md };
}
