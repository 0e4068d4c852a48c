import { describe, expect, it } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createContext } from '../../src/context.js';
import { createTracing, samplerRatio } from '../../src/observe/tracing.js';

const ON = { enabled: true, headers: {} };

function exchange(headers: Record<string, string> = {}) {
  const ctx = createContext({ id: 'r1', method: 'POST', path: '/v1/chat/completions', headers, remoteAddress: '127.0.0.1' });
  ctx.route = { connection: 'openai', provider: 'openai', route: 'chat.completions', upstreamPath: '/chat/completions', query: '', method: 'POST', inspect: true };
  return ctx;
}

describe('tracing', () => {
  it('is off unless enabled, and OTEL_SDK_DISABLED wins', () => {
    expect(createTracing({ enabled: false, headers: {} })).toBeUndefined();
    expect(createTracing(ON, { env: { OTEL_SDK_DISABLED: 'true' } })).toBeUndefined();
  });

  it('takes the sample ratio from config, else from OTEL_TRACES_SAMPLER(_ARG)', () => {
    expect(samplerRatio({ ...ON, sampleRatio: 0.25 }, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' })).toBe(0.25);
    expect(samplerRatio(ON, { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' })).toBe(0.5);
    expect(samplerRatio(ON, { OTEL_TRACES_SAMPLER: 'always_off' })).toBe(0);
    expect(samplerRatio(ON, { OTEL_TRACES_SAMPLER_ARG: 'x' })).toBe(1);
  });

  it('at ratio 0 records nothing but still passes a non-sampled traceparent upstream', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ ...ON, sampleRatio: 0 }, { processor: new SimpleSpanProcessor({ exporter }) })!;
    const ctx = exchange();
    tracing.begin(ctx);
    tracing.step(ctx, 'sluice.authenticate', ctx.timings.start, performance.now());
    expect(tracing.upstreamStart(ctx, performance.now())).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    tracing.upstreamEnd(ctx, performance.now());
    tracing.end(ctx, performance.now(), undefined);
    await tracing.forceFlush();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await tracing.shutdown();
  });

  it('follows a caller that sampled its trace even at ratio 0', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ ...ON, sampleRatio: 0 }, { processor: new SimpleSpanProcessor({ exporter }) })!;
    const ctx = exchange({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    tracing.begin(ctx);
    ctx.status = 200;
    ctx.auditDecision = 'allowed';
    tracing.end(ctx, performance.now(), Promise.resolve());
    await new Promise((r) => setImmediate(r));
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['sluice POST /v1/chat/completions', 'sluice.audit']);
    expect(spans[0].spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    await tracing.shutdown();
  });
});
