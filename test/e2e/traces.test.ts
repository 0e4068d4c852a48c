// OpenTelemetry traces through the real gateway and the real OTLP/HTTP exporter, read back by a collector stand-in
// (test/helpers/otlp.ts): the span tree and the GenAI attributes of JSON, SSE, blocked, held and failed exchanges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CARD = '4111 1111 1111 1111';

describe('traces (telemetry.traces)', () => {
  let stack: Stack;
  let otlp: OtlpReceiver;
  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    stack = await startStack({
      // One HTTP thread: the test flushes the main thread's exporter (each HTTP thread owns one).
      config: { server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2000, threads: 1 }, telemetry: { traces: { enabled: true, endpoint: otlp.url, sampleRatio: 1, headers: { authorization: 'Bearer collector-token' } } }, approvals: { rejoinSeconds: 0 } },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await otlp?.close();
  });

  async function chat(id: string, token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
    const res = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': id, ...headers },
      body: JSON.stringify({ model: 'gpt-4o-mini', ...body }),
    });
    return { status: res.statusCode, text: await res.body.text() };
  }

  /** The exchange's spans once exported: root first, then its descendants by name. */
  async function exchange(id: string): Promise<{ root: ReceivedSpan; byName: Map<string, ReceivedSpan>; all: ReceivedSpan[] }> {
    for (let i = 0; i < 100; i++) {
      await stack.sluice.tracing!.forceFlush();
      const root = otlp.spans.find((s) => s.attributes['sluice.request_id'] === id);
      if (root) {
        const all = otlp.spans.filter((s) => s.traceId === root.traceId);
        const ids = new Set([root.spanId]);
        for (let grew = true; grew; ) {
          grew = false;
          for (const s of all) if (s.parentSpanId && ids.has(s.parentSpanId) && !ids.has(s.spanId)) grew = ids.add(s.spanId) !== undefined;
        }
        const mine = all.filter((s) => ids.has(s.spanId));
        return { root, byName: new Map(mine.map((s) => [s.name, s])), all: mine };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no span for exchange ${id}`);
  }

  it('JSON: continues the caller\'s traceparent, one child per step, GenAI attributes, no detected value', async () => {
    stack.mock.clear();
    const token = await stack.token(['analysts'], 'ana', 'nightly-etl');
    const r = await chat('trace-json', token, { messages: [{ role: 'user', content: `card ${CARD}` }] }, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, 'x-sluice-session': 'sess-42' });
    expect(r.status).toBe(200);
    const { root, byName, all } = await exchange('trace-json');
    expect(root).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: CALLER_SPAN, kind: 2 /* SERVER */ });
    expect(root.resource['service.name']).toBe('sluice');
    expect(root.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'sluice.decision': 'masked',
      'sluice.findings.card': 1,
      'sluice.job': 'nightly-etl',
      'sluice.session': 'sess-42',
      'http.response.status_code': 200,
    });
    expect(root.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(root.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    for (const name of ['sluice.authenticate', 'sluice.inspect_request', 'sluice.policy', 'upstream openai', 'upstream headers', 'upstream body', 'sluice.inspect_response', 'sluice.audit']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('sluice.inspect_request')!.attributes['sluice.inspect.where']).toBe('inline');
    const upstream = byName.get('upstream openai')!;
    expect(upstream).toMatchObject({ parentSpanId: root.spanId, kind: 3 /* CLIENT */ });
    expect(byName.get('upstream headers')!.parentSpanId).toBe(upstream.spanId);
    // The provider sees Sluice's upstream span as the parent, in the caller's trace.
    expect(stack.mock.received[0].headers.traceparent).toBe(`00-${CALLER_TRACE}-${upstream.spanId}-01`);
    for (const s of all) {
      expect(s.startNs).toBeGreaterThanOrEqual(root.startNs);
      expect(s.endNs).toBeLessThanOrEqual(root.endNs);
    }
    expect(JSON.stringify(all, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/4111 1111|4111111111111111|"ana"|Bearer/);
    expect(otlp.exports[0].authorization).toBe('Bearer collector-token');
  });

  it('SSE: a streamed exchange with usage', async () => {
    const r = await chat('trace-sse', await stack.token(['analysts'], 'ana'), { stream: true, messages: [{ role: 'user', content: 'hello' }] });
    expect(r.status).toBe(200);
    const { root, byName } = await exchange('trace-sse');
    expect(root.attributes).toMatchObject({ 'sluice.stream': true, 'sluice.decision': 'allowed', 'gen_ai.operation.name': 'chat' });
    expect(root.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(byName.has('upstream body')).toBe(true);
    expect(root.parentSpanId).toBeUndefined(); // no traceparent from the caller: a new trace
  });

  it('blocked: an error span, no upstream span', async () => {
    const r = await chat('trace-blocked', await stack.token(['restricted'], 'rob'), { messages: [{ role: 'user', content: 'hello' }] });
    expect(r.status).toBe(400);
    const { root, byName } = await exchange('trace-blocked');
    expect(root.attributes).toMatchObject({ 'sluice.decision': 'blocked', 'error.type': 'SLUICE_JUSTIFICATION_REQUIRED', 'http.response.status_code': 400 });
    expect(root.status.code).toBe(2 /* ERROR */);
    expect(byName.has('sluice.policy') || byName.has('sluice.inspect_request')).toBe(true);
    expect([...byName.keys()].some((n) => n.startsWith('upstream'))).toBe(false);
    expect(byName.has('sluice.audit')).toBe(true);
  });

  it('held: the approval wait is its own span', async () => {
    const reviewer = await stack.token(['reviewers'], 'rita');
    const call = chat('trace-held', await stack.token(['agents'], 'agent-7'), { messages: [{ role: 'user', content: 'please export the table' }] });
    let id: string | undefined;
    for (let i = 0; i < 300 && !id; i++) {
      const res = await request(`${stack.url}/sluice/approvals`, { headers: { authorization: `Bearer ${reviewer}` } });
      id = ((await res.body.json()) as { approvals: Array<{ id: string }> }).approvals[0]?.id;
      if (!id) await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 200));
    const ok = await request(`${stack.url}/sluice/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' }, body: '{}' });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    expect((await call).status).toBe(200);
    const { root, byName } = await exchange('trace-held');
    expect(root.attributes['sluice.decision']).toBe('approved');
    const wait = byName.get('sluice.approval_wait')!;
    expect(wait.attributes['sluice.approval.mode']).toBe('hold');
    expect(Number(wait.endNs - wait.startNs) / 1e6).toBeGreaterThan(150);
    expect(wait.endNs).toBeLessThanOrEqual(byName.get('upstream openai')!.startNs);
  });

  it('failed: the upstream resets the connection', async () => {
    const r = await chat('trace-failed', await stack.token(['analysts'], 'ana'), { messages: [{ role: 'user', content: 'hello' }] }, { 'x-mock-reset-after': '0' });
    expect(r.status).toBeGreaterThanOrEqual(500);
    const { root, byName } = await exchange('trace-failed');
    expect(root.attributes['sluice.decision']).toBe('failed');
    expect(String(root.attributes['error.type'])).toMatch(/^SLUICE_UPSTREAM/);
    expect(root.status.code).toBe(2);
    expect(byName.get('upstream openai')!.status.code).toBe(2);
  });
});
