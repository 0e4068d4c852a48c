import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observe/metrics.js';

describe('metrics', () => {
  it('renders counters and cumulative histograms in Prometheus text format, label values escaped', () => {
    const m = createMetrics();
    m.requests.inc({ route: 'chat', status: 200 });
    m.requests.inc({ status: 200, route: 'chat' }); // same series whatever the key order
    m.requests.inc({ route: 'we"ird\\\n', status: 500 });
    m.duration.observe({ connection: 'openai' }, 0.0007);
    m.duration.observe({ connection: 'openai' }, 0.3);
    const text = m.render();
    expect(text).toContain('sluice_requests_total{route="chat",status="200"} 2');
    expect(text).toContain('sluice_requests_total{route="we\\"ird\\\\\\n",status="500"} 1');
    expect(text).toContain('sluice_request_duration_seconds_bucket{connection="openai",le="0.001"} 1');
    expect(text).toContain('sluice_request_duration_seconds_bucket{connection="openai",le="0.5"} 2');
    expect(text).toContain('sluice_request_duration_seconds_bucket{connection="openai",le="+Inf"} 2');
    expect(text).toContain('sluice_request_duration_seconds_count{connection="openai"} 2');
  });
});
