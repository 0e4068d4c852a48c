// /metrics of a real gateway: a Prometheus exposition-format parser reads every metric family the operators'
// dashboards use; reviewer time on a denied hold is not Sluice's overhead (issue 17: 2.7 s of "overhead" seen).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { request } from 'undici';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startStack, type Stack } from '../helpers/stack.js';

const FAMILIES = [
  // process (prom-client defaults)
  'process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds',
  'sluice_requests_total', 'sluice_requests_in_flight', 'sluice_request_duration_seconds', 'sluice_overhead_seconds', 'sluice_time_to_first_token_seconds',
  'sluice_tokens_total', 'sluice_findings_total', 'sluice_approvals_held', 'sluice_approval_events_total', 'sluice_audit_records_total', 'sluice_audit_bytes_total',
  'sluice_audit_fsync_seconds', 'sluice_audit_healthy', 'sluice_inspection_queue_depth', 'sluice_inspection_threads', 'sluice_inspection_seconds',
  'sluice_inspection_failures_total', 'sluice_upstream_connections', 'sluice_upstream_errors_total', 'sluice_quota_refusals_total', 'sluice_store_errors_total',
];

async function scrape(stack: Stack): Promise<string> {
  const res = await request(`${stack.url}/metrics`);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body.text();
}

const sumOf = (text: string, name: string): number =>
  text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

async function pendingId(stack: Stack, reviewer: string, subject: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const res = await request(`${stack.url}/sluice/approvals`, { headers: { authorization: `Bearer ${reviewer}` } });
    const found = ((await res.body.json()) as { approvals: Array<{ id: string; identity: { subject: string } }> }).approvals.find((a) => a.identity.subject === subject);
    if (found) return found.id;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no pending approval for ${subject}`);
}

describe('/metrics', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { telemetry: { metrics: { jobLabels: true, maxJobs: 5 } } } });
  });
  afterAll(async () => stack?.close());

  it('passes an exposition-format parser and carries every metric family, with tokens, TTFT and findings', async () => {
    const sdk = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: await stack.token(['analysts'], 'ana', 'nightly-etl'), maxRetries: 0 });
    await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111 please' }] });
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello' }] });
    for await (const _ of stream) void _;
    const text = await scrape(stack);
    const families = parsePrometheusTextFormat(text);
    const names = new Set(families.map((f) => f.name));
    for (const name of FAMILIES) expect(names.has(name), name).toBe(true);
    const tokens = families.find((f) => f.name === 'sluice_tokens_total')!.metrics;
    expect(tokens.length).toBeGreaterThan(0);
    for (const s of tokens) expect(s.labels).toMatchObject({ model: 'gpt-4o-mini', group: 'analysts', job: 'nightly-etl' });
    expect(tokens.map((s) => s.labels!.direction).sort()).toEqual(['input', 'output']);
    expect(text).toMatch(/sluice_time_to_first_token_seconds_count\{connection="openai",model="gpt-4o-mini"\} 1/);
    expect(text).toMatch(/sluice_findings_total\{detector="card",action="\w+"\} 1/);
    expect(sumOf(text, 'sluice_audit_records_total')).toBeGreaterThan(0);
    expect(text).toMatch(/sluice_upstream_connections\{connection="openai",state="free"\} [1-9]/);
    // Bounded labels: no subject or session label anywhere.
    expect(text).not.toMatch(/subject=|session=/);
  });

  it('counts a denied hold in approval metrics, and the reviewer wait is not overhead', async () => {
    const reviewer = await stack.token(['reviewers'], 'rita');
    const before = await scrape(stack);
    const agent = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: await stack.token(['agents'], 'agent-held'), maxRetries: 0 });
    const call = agent.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'please export the table' }] }).catch((e: unknown) => e);
    const id = await pendingId(stack, reviewer, 'agent-held');
    expect(await scrape(stack)).toMatch(/^sluice_approvals_held 1$/m);
    await new Promise((r) => setTimeout(r, 600));
    const denied = await request(`${stack.url}/sluice/approvals/${id}/deny`, { method: 'POST', headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' }, body: '{"comment":"not now"}' });
    expect(denied.statusCode).toBe(200);
    await denied.body.text();
    expect(await call).toMatchObject({ status: 403 });
    const after = await scrape(stack);
    expect(after).toMatch(/^sluice_approvals_held 0$/m);
    expect(after).toMatch(/sluice_approval_events_total\{event="requested"\} 1/);
    expect(after).toMatch(/sluice_approval_events_total\{event="denied"\} 1/);
    const waited = sumOf(after, 'sluice_request_duration_seconds_sum') - sumOf(before, 'sluice_request_duration_seconds_sum');
    const own = sumOf(after, 'sluice_overhead_seconds_sum') - sumOf(before, 'sluice_overhead_seconds_sum');
    expect(waited).toBeGreaterThan(0.6);
    expect(own).toBeLessThan(waited - 0.5);
  });
});

describe('admin listener (server.admin)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2000, admin: { port: 0 } } } });
  });
  afterAll(async () => stack?.close());

  it('serves /metrics, /healthz and /readyz there, refuses them on the traffic port, and serves nothing else', async () => {
    const admin = stack.sluice.adminUrl!;
    expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(admin).port).not.toBe(String(stack.sluice.port));
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const res = await request(`${admin}${path}`);
      expect(res.statusCode, path).toBe(200);
      const text = await res.body.text();
      if (path === '/metrics') expect(parsePrometheusTextFormat(text).some((f) => f.name === 'sluice_requests_total')).toBe(true);
      const traffic = await request(`${stack.url}${path}`);
      expect(traffic.statusCode, `traffic ${path}`).toBe(404);
      await traffic.body.text();
    }
    const other = await request(`${admin}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(other.statusCode).toBe(404);
    expect(((await other.body.json()) as { error: { code: string } }).error.code).toBe('SLUICE_NOT_FOUND');
  });
});
