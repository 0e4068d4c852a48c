// The one place that orders the steps of a request (DESIGN.md, "The path of one request"):
// listen → authenticate → route+policy → inspect request → decide → forward → inspect response → audit.
import { randomUUID } from 'node:crypto';
import type { ClientExchange } from './http/exchange.js';
import type { SluiceConfig } from './config/schema.js';
import type { Router } from './upstream/routes.js';
import type { Upstream } from './upstream/pools.js';
import type { Logger } from './observe/logger.js';
import type { Metrics } from './observe/metrics.js';
import type { Tracing } from './observe/tracing.js';
import type { AdminRoutes, ReadinessCheck, ApprovalStep, AuditStep, AuthenticateStep, InspectStep, PolicyStep, ResponseStep, Verdict } from './ports.js';
import type { InspectionProfile } from './inspect/api.js';
import type { TokenVault } from './inspect/vault.js';
import type { ProviderKind } from './types.js';
import type { RoutingStep } from './routing/step.js';
import type { RoutePlan } from './routing/router.js';
import { createContext, type RequestContext } from './context.js';
import { SluiceError, errorBody, toSluiceError } from './errors.js';
import { forward } from './upstream/forward.js';
import { createRelaySink } from './upstream/relay.js';
import { redactFreeText } from './audit/redact.js';
import { assertRequestShape } from './inspect/shape.js';
import { JSON_HEADERS, OPERATIONS, readinessReport, safeCheck, withRequestId, type Check } from './operations.js';

export interface GatewayDeps {
  config: SluiceConfig;
  logger: Logger;
  metrics: Metrics;
  /** OpenTelemetry spans; absent when tracing is off (then nothing on the path touches it). */
  tracing?: Tracing;
  router: Router;
  upstreams: Map<string, Upstream>;
  auth: AuthenticateStep;
  policy: PolicyStep;
  inspect: InspectStep;
  approvals?: ApprovalStep;
  response?: ResponseStep;
  audit: AuditStep;
  admin?: AdminRoutes;
  /** Dependencies /readyz reports besides the gateway's own (inspection pool, upstreams, draining). */
  readiness?: ReadinessCheck[];
  /** The /metrics text; default: this gateway's own registry (an owner thread passes the merge of every thread's). */
  exposition?: () => Promise<string>;
  /** Model routing (`routes`): groups of targets, retries, fallbacks. Absent: each request goes to its path's connection. */
  routing?: RoutingStep;
  /** Where tokens issued by `tokenize` are kept for restore in later responses of the session. */
  vault?: TokenVault & { preload?(session: string): Promise<Map<string, string>> };
  /**
   * On an HTTP thread: `/readyz` and `/metrics` answered for the whole instance (the main thread assembles them from
   * every thread). Absent: answered from this gateway alone.
   */
  operations?: (path: '/readyz' | '/metrics') => Promise<{ status: number; contentType: string; body: string }>;
  /** On an HTTP thread: its in-flight count, published where the main thread reads it (shutdown, tests). */
  inFlightCell?: { cells: Int32Array; index: number };
}


export interface Gateway {
  handle(x: ClientExchange): void;
  /** The admin listener (`server.admin`): operator endpoints only, everything else 404. */
  handleAdmin(x: ClientExchange): void;
  /** In-flight exchanges (for graceful shutdown). */
  readonly inFlight: number;
  draining: boolean;
  /** What /readyz reports of this gateway and its dependencies, by name. */
  readiness(): Record<string, Check>;
}

const TOKEN_TTL_MS = 24 * 3600 * 1000;
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export function createGateway(deps: GatewayDeps): Gateway {
  const { config, logger, metrics, router, tracing } = deps;
  // The per-exchange line is the hot log path: skip building it when info is off.
  const logInfo = logger.isLevelEnabled('info');
  const adminListener = config.server.admin !== undefined;
  let inFlight = 0;
  let held = 0;
  metrics.inFlight.track({}, () => inFlight);
  metrics.approvalsHeld.track({}, () => held);
  for (const [name, u] of deps.upstreams) trackUpstream(name, u);
  const cell = deps.inFlightCell;
  const started = (): void => {
    inFlight++;
    if (cell) Atomics.store(cell.cells, cell.index, inFlight);
  };
  const ended = (): void => {
    inFlight--;
    if (cell) Atomics.store(cell.cells, cell.index, inFlight);
  };
  const gw: Gateway = {
    handle: function handleExchange(x) {
      void handle(x);
    },
    handleAdmin: function handleAdminExchange(x) {
      const ctx = createContext({ id: randomUUID(), method: x.method, path: x.path, headers: x.headers, remoteAddress: x.remoteAddress });
      if (OPERATIONS.has(x.path)) return operations(x, ctx);
      respondError(x, ctx, 'openai', new SluiceError('SLUICE_NOT_FOUND', `The admin listener serves ${[...OPERATIONS].join(', ')} only`), false);
    },
    get inFlight() {
      return inFlight;
    },
    draining: false,
    readiness,
  };

  async function handle(x: ClientExchange): Promise<void> {
    const supplied = x.headers['x-request-id'];
    const ctx = createContext({
      id: supplied && REQUEST_ID_RE.test(supplied) ? supplied : randomUUID(),
      method: x.method,
      path: x.path,
      headers: x.headers,
      remoteAddress: x.remoteAddress,
    });
    if (x.framingError) return refuseFraming(x, ctx, x.framingError);
    // With an admin listener (server.admin) the operator endpoints are served there only: here they are unknown routes.
    if (!adminListener && OPERATIONS.has(x.path)) return operations(x, ctx);

    started();
    let provider: ProviderKind = 'openai';
    let audited = false;
    const audit = (): Promise<void> | undefined => {
      if (audited) return undefined;
      audited = true;
      finishTimings(ctx);
      observe(ctx);
      ended();
      const ta = tracing ? performance.now() : 0;
      const written = deps.audit.exchange(ctx);
      tracing?.end(ctx, ta, written);
      return written;
    };
    try {
      admit(x);
      // The body must be read from the first tick: uWS only delivers chunks to a registered onData.
      const bodyPromise = x.readBody();
      bodyPromise.catch(() => undefined);
      if (x.path.startsWith('/sluice/') && deps.admin && (await serveAdmin(x, ctx, bodyPromise))) {
        audited = true; // operator API calls are audited by the admin routes themselves
        ended();
        return;
      }
      if (tracing) tracing.begin(ctx);
      provider = router.guessProvider(x.path, x.headers);
      const route = router.resolve(x.method, x.path, x.query);
      ctx.route = route;
      provider = route.provider;

      const profile = await authenticate(x, ctx, route.connection);
      const body = await bodyPromise;
      const bodyBytes = body.byteLength; // the pool may take (transfer) the buffer
      const { upstreamBody, changed } = await inspectRequest(ctx, profile, body);
      const verdict = await decide(ctx, bodyBytes);
      // Policy decided on the logical model; the plan keeps only the targets it also allows (resolved model).
      const plan = deps.routing?.plan(ctx, verdict);
      if (verdict.outcome === 'approve') await holdForApproval(x, ctx, verdict);
      else if (verdict.outcome === 'block') {
        throw new SluiceError('SLUICE_POLICY_BLOCKED', verdict.reason ?? `Blocked by policy rule ${verdict.rules[0] ?? ''}`.trim());
      }
      if (x.aborted) {
        ctx.clientAborted = true;
        return void audit()?.catch(() => undefined);
      }
      ctx.auditDecision ??= changed ? 'masked' : 'allowed';
      // A shared vault is read once per exchange, so restoring tokens in the stream never waits on the network.
      if (verdict.restoreTokens && deps.vault?.preload) ctx.sessionTokens = await deps.vault.preload(ctx.identity!.session);
      relay(x, ctx, profile, verdict, upstreamBody, audit, plan);
    } catch (err) {
      await refuse(x, ctx, provider, err, audit);
    }
  }

  /** Refusals before anything is read: oversized head, a draining gateway, an audit trail that cannot record. */
  function admit(x: ClientExchange): void {
    if (x.headerBytes > config.server.maxHeaderBytes) {
      throw new SluiceError('SLUICE_HEADERS_TOO_LARGE', `Request headers exceed ${config.server.maxHeaderBytes} bytes`);
    }
    if (gw.draining) throw new SluiceError('SLUICE_SHUTTING_DOWN', 'Gateway is shutting down', { headers: { 'retry-after': '1' } });
    // Fail closed while records cannot be made durable (audit.onFailure: refuse): nothing is inspected or forwarded.
    if (deps.audit.refusing) throw new SluiceError('SLUICE_AUDIT_UNAVAILABLE', 'The audit trail cannot record exchanges right now; nothing was forwarded', { headers: { 'retry-after': '5' } });
  }

  /** `/sluice/*` operator and reviewer routes; false when none of them answers (the path is then an unknown route). */
  async function serveAdmin(x: ClientExchange, ctx: RequestContext, bodyPromise: Promise<Uint8Array>): Promise<boolean> {
    const body = await bodyPromise;
    // Admin routes read their query (e.g. `?status=`) from the path.
    const out = await deps.admin!.handle(x.query ? { ...ctx, path: `${x.path}?${x.query}` } : ctx, body);
    if (!out) return false;
    ctx.status = out.status;
    if (out.body === undefined && 'raw' in out) x.respond(out.status, [['content-type', out.contentType], ['x-request-id', ctx.id], ...(out.headers ?? [])], out.raw);
    else x.respond(out.status, [...JSON_HEADERS, ['x-request-id', ctx.id], ...(out.headers ?? [])], JSON.stringify(out.body));
    return true;
  }

  /** Who is calling, and the inspection profile policy gives them on this connection. */
  async function authenticate(x: ClientExchange, ctx: RequestContext, connection: string): Promise<InspectionProfile> {
    const t0 = performance.now();
    ctx.identity = await deps.auth.authenticate(x.headers, x.remoteAddress);
    ctx.timings.authMs = performance.now() - t0;
    tracing?.step(ctx, 'sluice.authenticate', t0, t0 + ctx.timings.authMs);
    const profile = deps.policy.profileFor(ctx.identity, connection);
    ctx.profile = profile;
    const justification = x.headers['x-sluice-justification'];
    // Free text from the caller that ends up in the audit trail and in front of reviewers: redact data in it.
    if (justification) ctx.justification = redactFreeText(justification.slice(0, 1024), profile, ctx.identity.session);
    return profile;
  }

  /** Policy's verdict on the inspected request, and the caller's body-size limit. */
  async function decide(ctx: RequestContext, bodyBytes: number): Promise<Verdict> {
    const tp = tracing ? performance.now() : 0;
    const verdict = await deps.policy.decide(ctx);
    tracing?.step(ctx, 'sluice.policy', tp, performance.now(), { 'sluice.decision': verdict.outcome });
    ctx.decision = verdict;
    if (verdict.maxBodyBytes !== undefined && bodyBytes > verdict.maxBodyBytes) {
      throw new SluiceError('SLUICE_BODY_TOO_LARGE', `Request body exceeds ${verdict.maxBodyBytes} bytes allowed for this caller`);
    }
    return verdict;
  }

  /** Holds the request until a reviewer decides (throws when denied, timed out or cancelled). */
  async function holdForApproval(x: ClientExchange, ctx: RequestContext, verdict: Verdict): Promise<void> {
    if (!deps.approvals) throw new SluiceError('SLUICE_APPROVAL_REQUIRED', 'This request needs approval and no approval service is configured');
    const ta = performance.now();
    ctx.auditDecision = 'held';
    held++;
    try {
      await deps.approvals.await(ctx, verdict, (cb) => x.onAbort(cb));
    } finally {
      // Denied, timed out or cancelled holds waited for a reviewer too: never Sluice's own time.
      ctx.timings.approvalMs = performance.now() - ta;
      held--;
      tracing?.step(ctx, 'sluice.approval_wait', ta, ta + ctx.timings.approvalMs, { 'sluice.approval.mode': verdict.approval?.mode ?? 'hold' });
    }
    ctx.auditDecision = 'approved';
  }

  /** Any failure before the relay: record it, audit the exchange, answer in the provider's error shape. */
  async function refuse(x: ClientExchange, ctx: RequestContext, provider: ProviderKind, err: unknown, audit: () => Promise<void> | undefined): Promise<void> {
    const e = toSluiceError(err);
    ctx.error = e;
    ctx.status = e.status;
    if (e.source === 'internal' && e.code === 'SLUICE_INTERNAL') logger.error({ reqId: ctx.id, err: e.cause }, 'internal error');
    if (e.code.startsWith('SLUICE_AUTH_')) metrics.authFailures.inc({ code: e.code });
    else if (e.code === 'SLUICE_QUOTA_EXCEEDED') metrics.quotaRefusals.inc();
    ctx.auditDecision ??= decisionForError(e);
    // A ticket's first answer leaves the request held (pending review); any other failure while held is a denial.
    // A held client that leaves stays `held` (its approval waits for a retry to join it).
    if (ctx.auditDecision === 'held' && e.code !== 'SLUICE_APPROVAL_REQUIRED' && e.code !== 'SLUICE_CLIENT_ABORTED') ctx.auditDecision = 'denied';
    if (x.aborted) ctx.clientAborted = true;
    // A draining gateway closes; any other early answer lets the exchange consume the rest of the body (or
    // linger) so the client can read it.
    const close = e.code === 'SLUICE_SHUTTING_DOWN';
    let answer = e;
    try {
      await audit();
    } catch (auditErr) {
      answer = toSluiceError(auditErr);
    }
    respondError(x, ctx, provider, answer, close);
  }

  async function inspectRequest(ctx: RequestContext, profile: InspectionProfile, body: Uint8Array): Promise<{ upstreamBody: Uint8Array; changed: boolean }> {
    // An empty body on a body route is inspected too: it is not the JSON object the provider expects (400).
    if (!ctx.route!.inspect) return { upstreamBody: body, changed: false };
    const encoding = ctx.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') {
      // Compressed bytes cannot be inspected, and nothing uninspected goes upstream.
      throw new SluiceError('SLUICE_BAD_REQUEST', `Request bodies must not be ${encoding}-encoded; send them uncompressed`);
    }
    const t = performance.now();
    const size = body.byteLength; // the pool may take (transfer) the buffer
    let result;
    try {
      result = await deps.inspect.inspect({ body, contentType: 'json', profile, session: ctx.identity!.session });
    } catch (err) {
      // Fail closed: nothing goes upstream unless it was inspected.
      // The inspector counts each failure by reason (timeout, crash, overload) in sluice_inspection_failures_total.
      const e = err instanceof SluiceError ? err : new SluiceError('SLUICE_INSPECTION_FAILED', 'Request inspection failed; request not forwarded', { cause: err });
      ctx.auditDecision = 'failed';
      throw e;
    } finally {
      ctx.timings.inspectMs = performance.now() - t;
      tracing?.step(ctx, 'sluice.inspect_request', t, t + ctx.timings.inspectMs, { 'sluice.inspect.where': size < config.inspection.inlineBelowBytes ? 'inline' : 'pool', 'sluice.inspect.bytes': size });
    }
    assertRequestShape(ctx.route!, result.meta);
    ctx.model = result.meta.model;
    ctx.stream = result.meta.stream === true;
    ctx.tools = result.meta.tools;
    ctx.findings = result.findings;
    ctx.findingSummary = result.summary;
    ctx.issuedTokens = result.tokens;
    for (const t of result.tokens) void deps.vault?.put(ctx.identity!.session, t.token, t.value, TOKEN_TTL_MS);
    ctx.includeUsage = result.meta.includeUsage;
    for (const f of ctx.findingSummary) metrics.findings.add([f.detector, f.action], f.count);
    ctx.maskedRequest = result.body;
    ctx.auditRequest = result.audit;
    return { upstreamBody: withUsageRequested(ctx, result.body), changed: result.changed };
  }

  function relay(x: ClientExchange, ctx: RequestContext, profile: InspectionProfile, verdict: Verdict, body: Uint8Array, done: () => Promise<void> | undefined, plan?: RoutePlan): void {
    const route = ctx.route!;
    const tSend = performance.now();
    const sink = createRelaySink(x, {
      filterFor: (status, headers) => {
        const filter = deps.response?.filterFor(ctx, profile, status, headers) ?? null;
        return tracing ? tracing.timeFilter(ctx, filter) : filter;
      },
      extraHeaders: () => {
        ctx.timings.upstreamHeadersMs = performance.now() - tSend;
        const own = performance.now() - ctx.timings.start - ctx.timings.upstreamHeadersMs - (ctx.timings.approvalMs ?? 0);
        return [['x-request-id', ctx.id], ['server-timing', `sluice;dur=${own.toFixed(3)}`], ...(verdict.responseHeaders ?? [])];
      },
      onStart: (status) => {
        ctx.status = status;
      },
      onBackpressure: () => metrics.backpressure.inc({ connection: route.connection }),
      onFirstBytes: () => {
        ctx.timings.firstBytesMs = performance.now() - ctx.timings.start;
      },
      respondError: (err) => {
        ctx.status = err.status;
        respondError(x, ctx, route.provider, err, false);
      },
      onDone: ({ status, err, aborted }) => {
        ctx.timings.upstreamMs = performance.now() - tSend;
        if (err) {
          ctx.error = err;
          ctx.auditDecision = 'failed';
          metrics.upstreamErrors.inc({ connection: ctx.route!.connection, code: err.code });
          // The record states what the client got: the error status unless a streamed status line already went out.
          ctx.status = x.started ? status : err.status;
        } else ctx.status = status;
        if (aborted) ctx.clientAborted = true;
        tracing?.upstreamEnd(ctx, tSend);
        deps.policy.record?.(ctx);
        return done();
      },
    });
    const req = { method: route.method, path: route.upstreamPath, query: route.query, headers: ctx.headers, requestId: ctx.id, body: body.byteLength ? body : null, traceparent: tracing?.upstreamStart(ctx, tSend) };
    if (plan) deps.routing!.send(ctx, plan, req, sink, (cb) => x.onAbort(cb));
    else forward({ ...req, upstream: deps.upstreams.get(route.connection)! }, sink);
  }

  function respondError(x: ClientExchange, ctx: RequestContext, provider: ProviderKind, e: SluiceError, close: boolean): void {
    if (x.aborted) return;
    if (x.started) return x.destroy();
    const hs: Array<[string, string]> = [...JSON_HEADERS, ['x-request-id', ctx.id], ...Object.entries(e.headers)];
    x.respond(e.status, hs, errorBody(e, provider), close);
  }

  /**
   * 400 and close for ambiguous framing, answered on the next tick: while this response is pending, uWS closes the
   * connection instead of parsing whatever follows in the same packet as another request (a smuggling attempt).
   */
  function refuseFraming(x: ClientExchange, ctx: RequestContext, why: string): void {
    const e = new SluiceError('SLUICE_BAD_REQUEST', why);
    setImmediate(() => respondError(x, ctx, 'openai', e, true));
  }

  function operations(x: ClientExchange, ctx: RequestContext): void {
    if (x.path === '/healthz') return x.respond(200, JSON_HEADERS, '{"status":"ok"}');
    const path = x.path as '/readyz' | '/metrics';
    if (deps.operations) {
      deps.operations(path).then(
        (out) => {
          if (!x.aborted) x.respond(out.status, [['content-type', out.contentType], ['x-request-id', ctx.id]], path === '/readyz' ? withRequestId(out.body, ctx.id) : out.body);
        },
        (err: unknown) => respondError(x, ctx, 'openai', toSluiceError(err), false),
      );
      return;
    }
    if (path === '/metrics') return void exposition(x);
    const out = readinessReport(readiness());
    x.respond(out.status, JSON_HEADERS, withRequestId(out.body, ctx.id));
  }

  function readiness(): Record<string, Check> {
    const checks: Record<string, Check> = {
      gateway: gw.draining ? { ok: false, detail: 'draining' } : { ok: true },
      inspection: deps.inspect.ready ? { ok: true } : { ok: false, detail: 'matcher or worker pool not ready' },
      upstreams: deps.upstreams.size > 0 ? { ok: true, detail: [...deps.upstreams.keys()].join(',') } : { ok: false, detail: 'no connections' },
    };
    for (const c of deps.readiness ?? []) checks[c.name] = safeCheck(c);
    return checks;
  }

  async function exposition(x: ClientExchange): Promise<void> {
    let text: string;
    try {
      text = await (deps.exposition ?? metrics.render)();
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'metrics could not be collected');
      if (!x.aborted) x.respond(500, JSON_HEADERS, '{"status":"metrics unavailable"}');
      return;
    }
    if (!x.aborted) x.respond(200, [['content-type', metrics.contentType]], text);
  }

  function trackUpstream(name: string, u: Upstream): void {
    const stats = () => u.pool.stats;
    metrics.upstreamConnections.track({ connection: name, state: 'busy' }, () => stats().connected - stats().free);
    metrics.upstreamConnections.track({ connection: name, state: 'free' }, () => stats().free);
    metrics.upstreamConnections.track({ connection: name, state: 'pending' }, () => stats().pending);
  }

  function observe(ctx: RequestContext): void {
    const t = ctx.timings;
    const labels = { connection: ctx.route?.connection ?? 'none', route: ctx.route?.route ?? 'none', status: ctx.status ?? 0, decision: ctx.auditDecision ?? 'failed' };
    const connection = { connection: labels.connection };
    metrics.requests.add([labels.connection, labels.route, labels.status, labels.decision]);
    metrics.duration.observe(connection, (t.totalMs ?? 0) / 1000);
    metrics.overhead.observe(connection, (t.overheadMs ?? 0) / 1000);
    if (ctx.stream && t.firstBytesMs !== undefined) {
      metrics.firstToken.observe({ connection: labels.connection, model: metrics.labels.model(ctx.model ?? 'none') }, Math.max(0, t.firstBytesMs - (t.approvalMs ?? 0)) / 1000);
    }
    if (ctx.usage) countTokens(ctx);
    if (logInfo) logger.info({ reqId: ctx.id, method: ctx.method, route: labels.route, connection: labels.connection, status: ctx.status, decision: labels.decision, ms: round(t.totalMs), overheadMs: round(t.overheadMs), err: ctx.error?.code }, 'exchange');
  }

  function countTokens(ctx: RequestContext): void {
    const u = ctx.usage!;
    const l = metrics.labels;
    const who = ctx.identity;
    // A routed request is counted under the model that ran (the target's), as it is priced.
    // Label values in the order the counters were declared with (metrics.ts): model, group, [job], direction.
    const model = l.model(ctx.routing?.model ?? ctx.model ?? 'none');
    const group = l.group(who?.groups[0] ?? 'none');
    const base = l.job ? [model, group, l.job(who?.job ?? 'none')] : [model, group];
    if (u.input) metrics.tokens.add([...base, 'input'], u.input);
    if (u.output) metrics.tokens.add([...base, 'output'], u.output);
    if (u.cachedInput) metrics.tokens.add([...base, 'cached_input'], u.cachedInput);
    if (ctx.cost) metrics.spend.add(base, ctx.cost.amount);
  }

  return gw;
}

const USAGE_OPTION = Buffer.from('"stream_options":{"include_usage":true},');
const USAGE_ROUTES = new Set(['chat.completions', 'completions']);

/**
 * Token quotas and the audit need usage, which OpenAI streams only report when asked: ask on the client's behalf
 * (the response filter strips the extra usage chunk again). Only when the body has no `stream_options` at all,
 * so nothing the client set is overridden; an O(1) splice after the opening brace, not a re-serialization.
 */
function withUsageRequested(ctx: RequestContext, body: Uint8Array): Uint8Array {
  if (!ctx.stream || ctx.includeUsage !== undefined || ctx.route?.provider !== 'openai' || !USAGE_ROUTES.has(ctx.route.route)) return body;
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  if (body[i] !== 0x7b) return body;
  return Buffer.concat([body.subarray(0, i + 1), USAGE_OPTION, body.subarray(i + 1)]);
}


/** The /readyz answer for a set of named checks: ready only when every one is ok. */
function finishTimings(ctx: RequestContext): void {
  const t = ctx.timings;
  t.totalMs = performance.now() - t.start;
  t.overheadMs = Math.max(0, t.totalMs - (t.upstreamMs ?? 0) - (t.approvalMs ?? 0));
}

function decisionForError(e: SluiceError): RequestContext['auditDecision'] {
  if (e.code === 'SLUICE_POLICY_BLOCKED' || e.code === 'SLUICE_FORBIDDEN' || e.code === 'SLUICE_QUOTA_EXCEEDED' || e.code === 'SLUICE_BUDGET_EXCEEDED' || e.code === 'SLUICE_JUSTIFICATION_REQUIRED') return 'blocked';
  if (e.code.startsWith('SLUICE_APPROVAL_')) return 'denied';
  return 'failed';
}

const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 1000) / 1000);
