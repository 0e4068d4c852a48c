// OpenTelemetry traces (issue 17): one span per exchange continuing the caller's `traceparent`, a child span per
// step, exported over OTLP/HTTP. Off by default; the gateway holds `undefined` then and skips every call
// (`tracing?.x(...)` evaluates no argument), so tracing off costs no allocation on the hot path.
// Nothing global is registered: each HTTP thread can own a provider, and tests own theirs.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type HrTime, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { RequestContext } from '../context.js';
import type { FindingSummary } from '../types.js';
import type { BodyFilter } from '../ports.js';

export interface TracesConfig {
  enabled: boolean;
  /** OTLP/HTTP traces URL; absent: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, or localhost:4318. */
  endpoint?: string;
  /** Share of new traces kept (a caller's sampled flag is followed); absent: `OTEL_TRACES_SAMPLER_ARG` or 1. */
  sampleRatio?: number;
  /** Extra export headers (auth); `OTEL_EXPORTER_OTLP_HEADERS` adds to them. */
  headers: Record<string, string>;
}

/** The spans of one sampled exchange (on `ctx.trace`). */
export interface ExchangeTrace {
  readonly root: Span;
  upstream?: Span;
  /** Time spent in the response filter's push/end calls. */
  responseFilterMs: number;
}

export interface Tracing {
  /** Starts the exchange's span (continuing `traceparent`); sets `ctx.trace` when it records. */
  begin(ctx: RequestContext): void;
  /** A finished step as a child span, from its start and end `performance.now()` readings. */
  step(ctx: RequestContext, name: string, start: number, end: number, attributes?: Attributes): void;
  /** Starts the upstream span; returns the `traceparent` the upstream request carries. */
  upstreamStart(ctx: RequestContext, sentAt: number): string | undefined;
  /** Ends the upstream span with its headers and body children. */
  upstreamEnd(ctx: RequestContext, sentAt: number): void;
  /** The response filter, timed into the `sluice.inspect_response` span when the exchange is sampled. */
  timeFilter(ctx: RequestContext, filter: BodyFilter | null): BodyFilter | null;
  /** Ends the exchange's span with the GenAI and Sluice attributes; `audit` settles when the record is written. */
  end(ctx: RequestContext, auditStart: number, audit: Promise<void> | undefined): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();
const getter: TextMapGetter<Record<string, string>> = {
  keys: (c) => Object.keys(c),
  get: (c, k) => c[k],
};

const OPERATIONS: Record<string, string> = {
  'chat.completions': 'chat',
  messages: 'chat',
  responses: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
};

/** The sampler: `sampleRatio` for new traces, the caller's decision for continued ones. */
export function samplerRatio(cfg: TracesConfig, env: NodeJS.ProcessEnv = process.env): number {
  if (cfg.sampleRatio !== undefined) return cfg.sampleRatio;
  const kind = env.OTEL_TRACES_SAMPLER;
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG);
  if ((kind === 'traceidratio' || kind === 'parentbased_traceidratio') && arg >= 0 && arg <= 1) return arg;
  if (kind === 'always_off' || kind === 'parentbased_always_off') return 0;
  return 1;
}

/** Tracing from config and the standard OTEL_* variables; undefined when off (also when `OTEL_SDK_DISABLED=true`). */
export function createTracing(cfg: TracesConfig, opts: { exporter?: SpanExporter; processor?: SpanProcessor; version?: string; env?: NodeJS.ProcessEnv } = {}): Tracing | undefined {
  const env = opts.env ?? process.env;
  if (!cfg.enabled || env.OTEL_SDK_DISABLED === 'true') return undefined;
  const exporter = opts.exporter ?? new OTLPTraceExporter({ ...(cfg.endpoint ? { url: cfg.endpoint } : {}), headers: cfg.headers });
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'sluice', ...(opts.version ? { 'service.version': opts.version } : {}) }),
  );
  const provider = new TracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio(cfg, env)) }),
    spanProcessors: [opts.processor ?? new BatchSpanProcessor({ exporter })],
  });
  return tracingOn(provider.getTracer('sluice', opts.version), provider);
}

/**
 * `performance.now()` readings as wall-clock time against one origin. (A number would be converted per span with
 * an offset taken from Date.now(), whose millisecond steps could put a child outside its parent.)
 */
function hr(t: number): HrTime {
  const ms = performance.timeOrigin + t;
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

function tracingOn(tracer: Tracer, provider: TracerProvider): Tracing {
  function child(t: ExchangeTrace, name: string, start: number, attributes?: Attributes, parent: Span = t.root): Span {
    return tracer.startSpan(name, { startTime: hr(start), kind: SpanKind.INTERNAL, ...(attributes ? { attributes } : {}) }, trace.setSpan(ROOT_CONTEXT, parent));
  }

  return {
    begin(ctx) {
      const parent = propagator.extract(ROOT_CONTEXT, ctx.headers, getter);
      const root = tracer.startSpan(`sluice ${ctx.method} ${ctx.path}`, { kind: SpanKind.SERVER, startTime: hr(ctx.timings.start), attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path, 'sluice.request_id': ctx.id } }, parent);
      // An unsampled exchange still passes a (non-sampled) traceparent upstream, but builds no children.
      ctx.trace = { root, responseFilterMs: 0 };
    },
    step(ctx, name, start, end, attributes) {
      const t = ctx.trace;
      if (!t?.root.isRecording()) return;
      child(t, name, start, attributes).end(hr(end));
    },
    upstreamStart(ctx, sentAt) {
      const t = ctx.trace;
      if (!t) return undefined;
      const route = ctx.route!;
      const span = tracer.startSpan(
        `upstream ${route.connection}`,
        { kind: SpanKind.CLIENT, startTime: hr(sentAt), attributes: { 'sluice.connection': route.connection, 'gen_ai.system': route.provider, 'url.path': route.upstreamPath } },
        trace.setSpan(ROOT_CONTEXT, t.root),
      );
      t.upstream = span;
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, { set: (c, k, v) => void (c[k] = v) });
      return carrier.traceparent;
    },
    upstreamEnd(ctx, sentAt) {
      const t = ctx.trace;
      const span = t?.upstream;
      if (!t || !span?.isRecording()) return;
      const tm = ctx.timings;
      const end = sentAt + (tm.upstreamMs ?? performance.now() - sentAt);
      if (tm.upstreamHeadersMs !== undefined) {
        const headersAt = sentAt + tm.upstreamHeadersMs;
        child(t, 'upstream headers', sentAt, undefined, span).end(hr(headersAt));
        child(t, 'upstream body', headersAt, undefined, span).end(hr(end));
        child(t, 'sluice.inspect_response', headersAt, { 'sluice.inspect.ms': round(t.responseFilterMs) }).end(hr(end));
      }
      if (ctx.status !== undefined) span.setAttribute('http.response.status_code', ctx.status);
      if (ctx.error) span.setStatus({ code: SpanStatusCode.ERROR, message: ctx.error.code });
      span.end(hr(end));
    },
    end(ctx, auditStart, audit) {
      const t = ctx.trace;
      if (!t) return;
      const { root } = t;
      if (!root.isRecording()) return;
      root.setAttributes(exchangeAttributes(ctx));
      if (ctx.error) root.setStatus({ code: SpanStatusCode.ERROR, message: ctx.error.code });
      const finish = () => {
        const now = hr(performance.now());
        child(t, 'sluice.audit', auditStart).end(now);
        root.end(now);
      };
      if (audit) audit.then(finish, finish);
      else finish();
    },
    timeFilter(ctx, filter) {
      const t = ctx.trace;
      if (!filter || !t?.root.isRecording()) return filter;
      const timed = <A extends unknown[]>(fn: (...args: A) => Uint8Array[]) => (...args: A): Uint8Array[] => {
        const s = performance.now();
        try {
          return fn(...args);
        } finally {
          t.responseFilterMs += performance.now() - s;
        }
      };
      return { mode: filter.mode, push: timed((c: Uint8Array) => filter.push(c)), end: timed(() => filter.end()), ...(filter.fail ? { fail: filter.fail.bind(filter) } : {}) };
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** GenAI semantic-convention attributes plus Sluice's own; never a detected value, a prompt or a subject. */
export function exchangeAttributes(ctx: RequestContext): Attributes {
  const a: Attributes = {
    'sluice.decision': ctx.auditDecision ?? 'failed',
  };
  if (ctx.status !== undefined) a['http.response.status_code'] = ctx.status;
  const route = ctx.route;
  if (route) {
    a['gen_ai.system'] = route.provider;
    a['gen_ai.operation.name'] = OPERATIONS[route.route] ?? route.route;
    a['sluice.connection'] = route.connection;
    a['sluice.route'] = route.route;
  }
  if (ctx.model) a['gen_ai.request.model'] = ctx.model;
  if (ctx.usage?.input !== undefined) a['gen_ai.usage.input_tokens'] = ctx.usage.input;
  if (ctx.usage?.output !== undefined) a['gen_ai.usage.output_tokens'] = ctx.usage.output;
  if (ctx.identity?.job) a['sluice.job'] = ctx.identity.job;
  if (ctx.identity?.session) a['sluice.session'] = ctx.identity.session;
  if (ctx.stream) a['sluice.stream'] = true;
  if (ctx.approvalId) a['sluice.approval_id'] = ctx.approvalId;
  if (ctx.error) a['error.type'] = ctx.error.code;
  addFindings(a, ctx.findingSummary);
  return a;
}

function addFindings(a: Attributes, summary: FindingSummary[]): void {
  for (const f of summary) {
    const key = `sluice.findings.${f.detector}`;
    a[key] = ((a[key] as number | undefined) ?? 0) + f.count;
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
