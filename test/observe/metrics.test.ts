import { describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { cappedLabel, createMetrics, mergeMetrics } from '../../src/observe/metrics.js';

const family = (text: string, name: string) => parsePrometheusTextFormat(text).find((f) => f.name === name);

describe('metrics', () => {
  it('renders counters and cumulative histograms in Prometheus text format, label values escaped', async () => {
    const m = createMetrics();
    m.requests.inc({ connection: 'c', route: 'chat', status: 200, decision: 'allowed' });
    m.requests.inc({ decision: 'allowed', status: 200, route: 'chat', connection: 'c' }); // same series whatever the key order
    m.requests.inc({ connection: 'c', route: 'we"ird\\\n', status: 500, decision: 'failed' });
    m.duration.observe({ connection: 'openai' }, 0.0007);
    m.duration.observe({ connection: 'openai' }, 0.3);
    const text = await m.render();
    expect(text).toContain('sluice_requests_total{connection="c",route="chat",status="200",decision="allowed"} 2');
    expect(text).toContain('sluice_requests_total{connection="c",route="we\\"ird\\\\\\n",status="500",decision="failed"} 1');
    expect(text).toContain('sluice_request_duration_seconds_bucket{le="0.001",connection="openai"} 1');
    expect(text).toContain('sluice_request_duration_seconds_bucket{le="0.5",connection="openai"} 2');
    expect(text).toContain('sluice_request_duration_seconds_bucket{le="+Inf",connection="openai"} 2');
    expect(text).toContain('sluice_request_duration_seconds_count{connection="openai"} 2');
    // A real exposition-format parser reads it back.
    const parsed = family(text, 'sluice_requests_total');
    expect(parsed?.type).toBe('COUNTER');
    expect(parsed?.metrics.find((s) => s.labels?.route === 'we"ird\\\n')?.value).toBe('1');
  });

  it('adds hot-path increments to the same series when collected (exposition and snapshot), refusing none that inc would accept', async () => {
    const m = createMetrics();
    m.requests.add(['c', 'chat', 200, 'allowed']);
    m.requests.add(['c', 'chat', 200, 'allowed'], 2);
    m.requests.inc({ connection: 'c', route: 'chat', status: 200, decision: 'allowed' });
    m.spend.add(['gpt-4o', 'analysts'], 0); // a free model still has its series
    m.findings.add(['card', 'mask'], -1); // a counter never decreases: dropped, not thrown at the next scrape
    m.findings.add(['card', 'mask'], Number.NaN);
    let text = await m.render();
    expect(text).toContain('sluice_requests_total{connection="c",route="chat",status="200",decision="allowed"} 4');
    expect(text).toContain('sluice_spend_total{model="gpt-4o",group="analysts"} 0');
    expect(text).not.toContain('sluice_findings_total{');
    m.tokens.add(['gpt-4o', 'analysts', 'input'], 10);
    m.requests.add(['c', 'chat', 200, 'allowed']);
    const merged = await mergeMetrics([await m.snapshot()]);
    expect(merged).toContain('sluice_requests_total{connection="c",route="chat",status="200",decision="allowed"} 5');
    expect(merged).toContain('sluice_tokens_total{model="gpt-4o",group="analysts",direction="input"} 10');
    text = await m.render();
    expect(text).toContain('sluice_requests_total{connection="c",route="chat",status="200",decision="allowed"} 5');
    expect(() => m.requests.add(['c', 'chat'])).toThrow(/takes 4 label values/);
  });

  it('exports named gauges read at scrape time, and process metrics only when asked', async () => {
    const m = createMetrics();
    let inFlight = 3;
    m.inFlight.track({}, () => inFlight);
    m.upstreamConnections.track({ connection: 'openai', state: 'busy' }, () => 2);
    expect(family(await m.render(), 'sluice_requests_in_flight')?.metrics[0].value).toBe('3');
    inFlight = 1;
    const text = await m.render();
    expect(family(text, 'sluice_requests_in_flight')?.metrics[0].value).toBe('1');
    expect(family(text, 'sluice_upstream_connections')?.metrics[0]).toMatchObject({ labels: { connection: 'openai', state: 'busy' }, value: '2' });
    expect(text).not.toContain('sluice_gauge');
    expect(text).not.toContain('process_cpu');
    const withProcess = await createMetrics({ process: true }).render();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds']) {
      expect(family(withProcess, name), name).toBeDefined();
    }
  });

  it('mirrors counters another component keeps (audit writer stats)', async () => {
    const m = createMetrics();
    let appended = 5;
    m.auditRecords.track({ outcome: 'appended' }, () => appended);
    expect(family(await m.render(), 'sluice_audit_records_total')?.metrics[0].value).toBe('5');
    appended = 7;
    expect(family(await m.render(), 'sluice_audit_records_total')?.metrics[0].value).toBe('7');
  });

  it('merges one registry per thread: counters, histograms and gauges summed per label set', async () => {
    const a = createMetrics({ process: true });
    const b = createMetrics();
    a.requests.inc({ connection: 'c', route: 'chat', status: 200, decision: 'allowed' }, 2);
    b.requests.inc({ connection: 'c', route: 'chat', status: 200, decision: 'allowed' }, 3);
    b.requests.inc({ connection: 'c', route: 'chat', status: 403, decision: 'blocked' });
    a.overhead.observe({ connection: 'c' }, 0.001);
    b.overhead.observe({ connection: 'c' }, 0.2);
    a.inFlight.track({}, () => 4);
    b.inFlight.track({}, () => 6);
    const text = await mergeMetrics([await a.snapshot(), await b.snapshot()]);
    const requests = family(text, 'sluice_requests_total')!.metrics;
    expect(requests.find((s) => s.labels?.status === '200')?.value).toBe('5');
    expect(requests.find((s) => s.labels?.status === '403')?.value).toBe('1');
    const overhead = family(text, 'sluice_overhead_seconds')!.metrics[0];
    expect(text).toContain('sluice_overhead_seconds_count{connection="c"} 2');
    expect(overhead.buckets?.['0.001']).toBe('1');
    expect(overhead.buckets?.['0.25']).toBe('2');
    expect(family(text, 'sluice_requests_in_flight')?.metrics[0].value).toBe('10');
    expect(family(text, 'process_resident_memory_bytes')).toBeDefined();
  });

  it('bounds label values: the first N pass, the rest are `other`', () => {
    const cap = cappedLabel(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map(cap)).toEqual(['a', 'b', 'other', 'a', 'other', 'b']);
    expect(createMetrics().labels.job).toBeUndefined();
    expect(createMetrics({ maxJobs: 1 }).labels.job?.('x')).toBe('x');
  });
});
