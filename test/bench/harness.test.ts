// Pure parts of the benchmark harness: the arithmetic and decisions its numbers rest on. No timing here.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/lib/args.js';
import { decideCheck, checkInputs } from '../../bench/lib/check.js';
import { foldRows, deriveOpenLoop, deriveThroughput } from '../../bench/lib/fold.js';
import { delayUntil, dueBy, latencyFromSchedule, plannedCount, scheduledOffset } from '../../bench/lib/schedule.js';
import { median, percentile, summarize } from '../../bench/lib/stats.js';
import { reportTables } from '../../bench/lib/report.js';
import { createContentDetector, hasContent } from '../../bench/lib/streaming.js';
import { applyCell, bestCell, cellToYaml, expandAxes, parseAxes, parseAxis } from '../../bench/lib/sweep-spec.js';

describe('percentile (nearest rank)', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  it.each([
    [50, 50],
    [90, 90],
    [99, 99],
    [99.9, 100],
    [100, 100],
    [0, 1],
    [0.5, 1],
  ])('p%s of 1..100 is %s', (p, want) => {
    expect(percentile(hundred, p)).toBe(want);
  });

  it('returns a measured sample, never an interpolated one', () => {
    expect(percentile([1, 10], 50)).toBe(1);
    expect(percentile([1, 10], 51)).toBe(10);
  });

  it('is null for no samples and rejects p outside 0..100', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('summarize sorts a copy and reports every percentile of the table', () => {
    const samples = [5, 1, 4, 2, 3];
    const s = summarize(samples);
    expect(s).toMatchObject({ count: 5, min: 1, max: 5, mean: 3, p50: 3, p90: 5, p99: 5, p999: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
    expect(summarize([]).p99).toBeNull();
  });

  it('p99.9 needs a thousand samples to differ from the max', () => {
    const xs = Array.from({ length: 2000 }, (_, i) => i);
    expect(summarize(xs).p999).toBe(1997);
    expect(summarize(xs).max).toBe(1999);
  });

  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[null, 7, undefined, Number.NaN], 7],
    [[], null],
  ])('median(%j) = %s', (xs, want) => {
    expect(median(xs as number[])).toBe(want);
  });
});

describe('open-loop schedule', () => {
  it('plans rate × duration requests', () => {
    expect(plannedCount(1000, 5000)).toBe(5000);
    expect(plannedCount(500, 2500)).toBe(1250);
    expect(plannedCount(3, 999)).toBe(2);
    expect(() => plannedCount(0, 1000)).toThrow(RangeError);
  });

  it('spaces requests 1/rate apart from the start', () => {
    expect(scheduledOffset(0, 1000)).toBe(0);
    expect(scheduledOffset(1, 1000)).toBe(1);
    expect(scheduledOffset(10, 2000)).toBe(5);
  });

  it.each([
    [-1, 0],
    [0, 1],
    [0.9, 1],
    [1, 2],
    [4.5, 5],
    [1e6, 10],
  ])('at 1000/s, %s ms after the start %s of 10 requests are due', (elapsed, want) => {
    expect(dueBy(elapsed, 1000, 10)).toBe(want);
  });

  it('charges latency from the scheduled time, not from when the request left (no coordinated omission)', () => {
    // Request 100 at 1000/s was due 100 ms after the start; it completed 130 ms after the start: 30 ms,
    // however late the generator or a stalled connection actually let it leave.
    expect(latencyFromSchedule(5000, 100, 1000, 5130)).toBe(30);
  });

  it('waits until the next request is due, never a negative time', () => {
    expect(delayUntil(5, 1000, 2)).toBe(3);
    expect(delayUntil(5, 1000, 9)).toBe(0);
  });
});

describe('sweep parsing', () => {
  it('parses numbers, booleans and strings, dropping duplicate values', () => {
    expect(parseAxis('inspection.pool.maxThreads=1,2,4,2')).toEqual({ key: 'inspection.pool.maxThreads', values: [1, 2, 4] });
    expect(parseAxis('inspection.maskResponses=true,false').values).toEqual([true, false]);
    expect(parseAxis('audit.fsync=group,always').values).toEqual(['group', 'always']);
  });

  it.each([
    ['maxThreads', /must look like/],
    ['=1,2', /must look like/],
    ['a..b=1', /not a dotted config key/],
    ['a.b=1,,2', /empty value/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseAxis(spec)).toThrow(message);
  });

  it('rejects a key given twice and a matrix too large to run', () => {
    expect(() => parseAxes(['a.b=1', 'a.b=2'])).toThrow(/given twice/);
    expect(() => parseAxes(['a=1,2,3,4,5,6,7,8,9', 'b=1,2,3,4,5,6,7,8'])).toThrow(/72 settings/);
  });

  it('expands the cartesian product, first axis slowest', () => {
    const cells = expandAxes(parseAxes(['inspection.pool.maxThreads=1,2', 'inspection.inlineBelowBytes=0,4096']));
    expect(cells).toEqual([
      { 'inspection.pool.maxThreads': 1, 'inspection.inlineBelowBytes': 0 },
      { 'inspection.pool.maxThreads': 1, 'inspection.inlineBelowBytes': 4096 },
      { 'inspection.pool.maxThreads': 2, 'inspection.inlineBelowBytes': 0 },
      { 'inspection.pool.maxThreads': 2, 'inspection.inlineBelowBytes': 4096 },
    ]);
    expect(expandAxes([])).toEqual([]);
  });

  it('applies a cell without touching the base config and keeps minThreads ≤ maxThreads', () => {
    const base = { inspection: { inlineBelowBytes: 65536, pool: { minThreads: 2, maxThreads: 2 } }, logging: { level: 'silent' } };
    const out = applyCell(base, { 'inspection.pool.maxThreads': 1, 'inspection.inlineBelowBytes': 0 });
    expect(out.inspection).toEqual({ inlineBelowBytes: 0, pool: { minThreads: 1, maxThreads: 1 } });
    expect(out.logging).toBe(base.logging);
    expect(base.inspection.pool.maxThreads).toBe(2);
  });

  it('prints the winning cell as the YAML to paste into sluice.yaml', () => {
    expect(cellToYaml({ 'inspection.pool.maxThreads': 4, 'inspection.inlineBelowBytes': 4096 })).toBe(
      ['inspection:', '  pool:', '    maxThreads: 4', '  inlineBelowBytes: 4096'].join('\n'),
    );
  });

  it('picks the best cell among those without errors, falling back to all measured ones', () => {
    const cells = [
      { label: 'a', p99: 1, requestsPerSec: 900, errors: 3 },
      { label: 'b', p99: 2, requestsPerSec: 800, errors: 0 },
      { label: 'c', p99: 3, requestsPerSec: 850, errors: 0 },
      { label: 'd', p99: null, requestsPerSec: null, errors: 1 },
    ];
    expect(bestCell(cells, 'p99', true)?.label).toBe('b');
    expect(bestCell(cells, 'requestsPerSec', false)?.label).toBe('c');
    expect(bestCell([cells[0], cells[3]], 'p99', true)?.label).toBe('a');
    expect(bestCell([cells[3]], 'p99', true)).toBeUndefined();
  });
});

describe('--check decision', () => {
  const budgets = { p99Ms: 9, ttftMs: 1, cpuRatio: 1.3 };
  it.each([
    ['all within budget', { addedP99Ms: 0.8, ttftOverheadMs: 0.2, cpuRatio: 1.1, errors: 0 }, true],
    ['exactly at the budget passes', { addedP99Ms: 9, ttftOverheadMs: 1, cpuRatio: 1.3, errors: 0 }, true],
    ['p99 over budget', { addedP99Ms: 9.01, ttftOverheadMs: 0.2, cpuRatio: 1, errors: 0 }, false],
    ['TTFT over budget', { addedP99Ms: 1, ttftOverheadMs: 1.5, cpuRatio: 1, errors: 0 }, false],
    ['CPU per request over 1.3× the naive proxy', { addedP99Ms: 1, ttftOverheadMs: 0.2, cpuRatio: 1.31, errors: 0 }, false],
    ['CPU not measured (no naive target)', { addedP99Ms: 1, ttftOverheadMs: 0.2, cpuRatio: null, errors: 0 }, false],
    ['Sluice not measured', { addedP99Ms: null, ttftOverheadMs: null, cpuRatio: null, errors: 0 }, false],
    ['errors through Sluice', { addedP99Ms: 1, ttftOverheadMs: 0.1, cpuRatio: 1, errors: 3 }, false],
  ])('%s', (_name, measured, ok) => {
    const d = decideCheck(measured, budgets);
    expect(d.ok).toBe(ok);
    expect(d.failures.length === 0).toBe(ok);
    expect(d.lines.some((l) => l.startsWith('FAIL'))).toBe(!ok);
  });

  it('reads its inputs from the reference rate and the streaming rows', () => {
    const result = {
      openLoop: [
        { target: 'sluice', rate: 500, addedP99: 0.1, errors: 0, non2xx: 0, dropped: 0 },
        { target: 'sluice', rate: 1000, addedP99: 2.5, errors: 1, non2xx: 2, dropped: 0 },
      ],
      streaming: [{ target: 'sluice', ttftOverheadP50: 0.4 }],
      throughput: [{ target: 'naive', cpuRatioToNaive: 1 }, { target: 'sluice', cpuRatioToNaive: 1.8 }],
    };
    expect(checkInputs(result)).toEqual({ referenceRate: 1000, addedP99Ms: 2.5, ttftOverheadMs: 0.4, cpuRatio: 1.8, errors: 3 });
    expect(checkInputs({})).toMatchObject({ addedP99Ms: null, ttftOverheadMs: null, cpuRatio: null });
  });

  it('a budget set below the measurement fails, one above passes', () => {
    const measured = { addedP99Ms: 3.2, ttftOverheadMs: 0.3, cpuRatio: 1.2, errors: 0 };
    expect(decideCheck(measured, { p99Ms: 3, ttftMs: 1, cpuRatio: 1.3 }).ok).toBe(false);
    expect(decideCheck(measured, { p99Ms: 4, ttftMs: 1, cpuRatio: 1.3 }).ok).toBe(true);
    expect(decideCheck(measured, { p99Ms: 4, ttftMs: 1, cpuRatio: 1.1 }).ok).toBe(false);
  });
});

describe('command line', () => {
  it('defaults to three rates and adds the reference rate under --check', () => {
    expect(parseBenchArgs([]).rates).toEqual([500, 1000, 2000]);
    expect(parseBenchArgs(['--rates', '200,5000', '--check']).rates).toEqual([200, 1000, 5000]);
    expect(parseBenchArgs(['--quick']).rates).toEqual([1000]);
  });

  it('reads budgets and sweep axes', () => {
    const o = parseBenchArgs(['--check', '--budget-p99-ms', '2.5', '--sweep', 'inspection.pool.maxThreads=1,2']);
    expect(o.budgets).toEqual({ p99Ms: 2.5, ttftMs: 1, cpuRatio: 1.3 });
    expect(parseBenchArgs(['--budget-cpu-ratio', '1.5', '--threads', '1,2']).budgets.cpuRatio).toBe(1.5);
    expect(parseBenchArgs(['--threads', '2,1']).threads).toEqual([2, 1]);
    expect(o.sweep).toEqual([{ key: 'inspection.pool.maxThreads', values: [1, 2] }]);
    expect(o.micro).toBe(false);
  });

  it('measures the audit store only when given a database (--db, else $SLUICE_AUDIT_DB)', () => {
    const saved = process.env.SLUICE_AUDIT_DB;
    try {
      delete process.env.SLUICE_AUDIT_DB;
      expect(parseBenchArgs([]).auditDb).toBeUndefined();
      expect(parseBenchArgs(['--db', 'postgres://u@h/db']).auditDb).toBe('postgres://u@h/db');
      process.env.SLUICE_AUDIT_DB = 'postgresql://env@h/db';
      expect(parseBenchArgs([]).auditDb).toBe('postgresql://env@h/db');
    } finally {
      if (saved === undefined) delete process.env.SLUICE_AUDIT_DB;
      else process.env.SLUICE_AUDIT_DB = saved;
    }
  });

  it('reports the audit store figures in a table of their own', () => {
    const auditStore = { requests: 4000, repeat: 3, fileUsPerRequest: 600, storeUsPerRequest: 660, costUsPerRequest: 58, lineBytes: 5210.4, catchUp: { shipped: 8000, seconds: 4, recordsPerSecond: 2000 } };
    const t = reportTables({ auditStore }).find((x) => x.title.startsWith('audit store'));
    expect(t?.rows).toEqual([['600', '660', '+58', '5,210', '8,000', '4.00', '2,000']]);
  });

  it.each([
    [['--rates', '0'], /--rates must be/],
    [['--repeat', '1.5'], /--repeat must be an integer/],
    [['--targets', 'envoy'], /unknown target "envoy"/],
    [['--only', 'both'], /--only must be micro or macro/],
    [['a.b=1'], /sweep axes need --sweep/],
    [['--sweep'], /needs at least one axis/],
    [['--threads', '0'], /--threads must be an integer between 1 and 256/],
    [['--db', 'mysql://x'], /--db must be a postgres:\/\/ URL/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('repeat folding', () => {
  it('takes the median of every number per target and rate, then derives added latency', () => {
    const row = (target: string, p99: number) => ({ target, rate: 1000, errors: 0, latency: { p50: p99 / 2, p90: p99, p99, p999: p99 } });
    const runs = [
      [row('direct', 1), row('sluice', 3)],
      [row('direct', 2), row('sluice', 10)],
      [row('direct', 3), row('sluice', 4)],
    ];
    const folded = deriveOpenLoop(foldRows(runs, (r) => `${r.target}@${r.rate}`));
    const sluice = folded.find((r) => r.target === 'sluice');
    expect(sluice?.latency.p99).toBe(4);
    expect(sluice?.addedP99).toBe(2);
    expect(sluice?.runs).toBe(3);
  });

  it('states CPU per request relative to the naive proxy', () => {
    const rows = deriveThroughput([
      { target: 'direct', requestsPerSec: 4000, cpuUsPerRequest: 50 },
      { target: 'naive', requestsPerSec: 2000, cpuUsPerRequest: 100 },
      { target: 'sluice', requestsPerSec: 1800, cpuUsPerRequest: 125 },
    ]);
    expect(rows.find((r) => r.target === 'sluice')).toMatchObject({ ratio: 0.45, cpuRatioToNaive: 1.25 });
    expect(deriveThroughput([{ target: 'sluice', requestsPerSec: 1, cpuUsPerRequest: 1 }])[0].cpuRatioToNaive).toBeNull();
  });
});

describe('SSE content detection', () => {
  it.each([
    ['{"choices":[{"delta":{"content":"Hi"}}]}', true],
    ['{"choices":[{"delta":{"role":"assistant","content":""}}]}', false],
    ['{"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"}}', true],
    ['{"type":"message_start"}', false],
    ['not json', false],
  ])('%s → %s', (data, want) => {
    expect(hasContent(data)).toBe(want);
  });

  it('finds content events split across chunks and ignores [DONE]', () => {
    const seen: number[] = [];
    const feed = createContentDetector((at) => seen.push(at));
    feed('data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\ndata: {"choices":[{"del', 1);
    feed('ta":{"content":"Hel"}}]}\n\n', 2);
    feed('data: {"choices":[{"delta":{"content":"lo"}}]}\r\n\r\ndata: [DONE]\n\n', 3);
    expect(seen).toEqual([2, 3]);
  });
});

describe("Sluice's own time from /metrics", async () => {
  const { parseOverheadBuckets, overheadPercentiles } = await import('../../bench/lib/own-time.js');
  const scrape = (counts: number[]) =>
    parseOverheadBuckets(
      ['0.0005', '0.001', '0.002', '+Inf']
        .map((le, i) => `sluice_overhead_seconds_bucket{connection="openai",le="${le}"} ${counts[i]}`)
        .join('\n'),
    );

  it('takes percentiles of the requests between two scrapes only', () => {
    const before = scrape([100, 100, 100, 100]);
    const after = scrape([190, 199, 200, 200]); // 100 new: 90 ≤ 0.5 ms, 9 ≤ 1 ms, 1 ≤ 2 ms
    expect(overheadPercentiles(before, after)).toEqual({ p50: 0.5, p99: 1, count: 100 });
  });

  it('returns undefined when nothing was observed', () => {
    const s = scrape([5, 5, 5, 5]);
    expect(overheadPercentiles(s, s)).toBeUndefined();
  });
});
