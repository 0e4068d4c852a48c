// The main thread's side of `server.threads` > 1: starts the HTTP threads on one port, serves the state they share
// (quotas, token vault, approvals, the one audit chain, admin routes), assembles /readyz and /metrics for the whole
// instance, pushes policy reloads and audit health to every thread, replaces a thread that dies, drains them all on
// shutdown.
import { Worker } from 'node:worker_threads';
import { createServer } from 'node:net';
import type { SluiceConfig } from '../config/schema.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import type { AdminRoutes, ApprovalStep, ReadinessCheck } from '../ports.js';
import type { QuotaBinding, QuotaStore } from '../policy/quota.js';
import type { TokenVault } from '../inspect/vault.js';
import type { GatewayAudit } from '../audit/step.js';
import type { AuditRecordInput } from '../audit/record.js';
import type { PolicySource } from '../policy/load.js';
import type { EngineInfo } from '../http/engine.js';
import type { RequestContext } from '../context.js';
import { readinessReport, safeCheck, type Check } from '../operations.js';
import { SluiceError, toSluiceError } from '../errors.js';
import { distFile } from '../paths.js';
import { createChannel, type Channel } from './channel.js';
import { CALLS, type ApprovalAnswer, type ApprovalAsk, type OperationsAnswer } from './remote.js';
import type { HttpThreadData, ThreadReady } from './http-thread.js';
import { mergeThreads } from './metrics-merge.js';
import type { MetricsSnapshot } from '../observe/metrics.js';

export interface SharedState {
  quotas: QuotaStore;
  vault: TokenVault & { preload?(session: string): Promise<Map<string, string>>; entriesOf?(session: string): Map<string, string> };
  audit: GatewayAudit;
  approvals: ApprovalStep;
  admin: AdminRoutes;
  /** The main thread's own dependencies (audit, redis). */
  readiness: ReadinessCheck[];
  policySources(): PolicySource[];
  secret: string;
}

export interface HttpThreadsOptions {
  config: SluiceConfig;
  count: number;
  state: SharedState;
  logger: Logger;
  metrics: Metrics;
  /** Thread entry (tests); defaults to the built dist/threads/http-thread.js. */
  workerFile?: string;
}

export interface HttpThreads {
  readonly port: number;
  readonly engine: EngineInfo;
  readonly count: number;
  /** Exchanges in flight on every thread. */
  readonly inFlight: number;
  /** /readyz and /metrics for the whole instance, assembled from every thread (the admin listener serves them). */
  operations(path: '/readyz' | '/metrics'): Promise<OperationsAnswer>;
  /** Every thread switches to these policy files. */
  reloadPolicy(sources: PolicySource[]): void;
  /** Stop accepting on every thread and wait until their exchanges end (or the grace period runs out). */
  drain(): Promise<void>;
  /** Drain, then close every thread and wait for it to exit. */
  close(): Promise<void>;
}

interface Thread {
  index: number;
  worker: Worker;
  ch: Channel;
  alive: boolean;
  /** Could not start next to the first thread (e.g. this uWS build does not share the port): not replaced. */
  abandoned?: boolean;
  ready: Promise<ThreadReady>;
}

/** A dead thread is replaced after 1 s, doubling up to 30 s while replacements keep failing to start. */
const RESTART_DELAY_MS = 1000;
const RESTART_DELAY_MAX_MS = 30_000;

export async function startHttpThreads(opts: HttpThreadsOptions): Promise<HttpThreads> {
  const { config, state, logger, metrics, count } = opts;
  // $SLUICE_HTTP_THREAD_FILE: a wrapper around the thread entry, for tests of what the owner does when a thread dies.
  const file = opts.workerFile ?? process.env.SLUICE_HTTP_THREAD_FILE ?? distFile('threads/http-thread.js');
  // uWS cannot share a socket it bound to port 0 between threads: choose the port first.
  const port = config.server.port === 0 ? await freePort(config.server.host) : config.server.port;
  const threadConfig: SluiceConfig = { ...config, server: { ...config.server, port }, inspection: { ...config.inspection, pool: shareOfPool(config.inspection.pool, count) } };
  const cells = new SharedArrayBuffer(4 * count);
  const inFlight = new Int32Array(cells);
  const threads: Thread[] = [];
  let closing = false;
  /** Until the start-up below has settled, a thread that exits is the start-up's failure, not one to replace. */
  let startupDone = false;
  const holds = new Map<string, { cancelled: boolean; cbs: Array<() => void> }>();
  const restartDelay: number[] = new Array(count).fill(RESTART_DELAY_MS);

  function spawn(index: number): Thread {
    Atomics.store(inFlight, index, 0);
    const data: HttpThreadData = { index, config: threadConfig, secret: state.secret, policy: state.policySources(), cells };
    const worker = new Worker(file, { workerData: data });
    const ch = createChannel(worker);
    const t: Thread = { index, worker, ch, alive: true, ready: undefined as unknown as Promise<ThreadReady> };
    t.ready = new Promise<ThreadReady>((resolve, reject) => {
      ch.on(CALLS.ready, (r: ThreadReady) => resolve(r));
      ch.on('failed', (msg: string) => reject(new Error(`HTTP thread ${index} failed to start: ${msg}`)));
      worker.once('exit', (code) => reject(new Error(`HTTP thread ${index} exited (code ${code}) before it was ready`)));
    });
    t.ready.catch(() => undefined);
    serve(t);
    worker.on('error', (err) => logger.error({ thread: index, err: err.message }, 'HTTP thread error'));
    worker.once('exit', (code) => {
      t.alive = false;
      Atomics.store(inFlight, index, 0);
      ch.failAll(new SluiceError('SLUICE_INTERNAL', 'HTTP thread exited'));
      for (const [k, h] of holds) if (k.startsWith(`${index}:`)) cancelHold(k, h);
      if (closing || t.abandoned || !startupDone) return;
      logger.error({ thread: index, code }, 'HTTP thread exited; starting another');
      const delay = restartDelay[index]!;
      setTimeout(() => {
        if (closing || t.abandoned) return;
        const next = spawn(index);
        const at = threads.indexOf(t);
        if (at >= 0) threads[at] = next;
        next.ready.then(
          () => {
            restartDelay[index] = RESTART_DELAY_MS;
            // A replacement starts with the instance's current audit state.
            if (state.audit.refusing) next.ch.notify(CALLS.auditRefusing, true);
          },
          (err: Error) => {
            restartDelay[index] = Math.min(RESTART_DELAY_MAX_MS, delay * 2);
            logger.error({ thread: index, err: err.message }, 'HTTP thread restart failed');
          },
        );
      }, delay).unref();
    });
    return t;
  }

  function cancelHold(key: string, h: { cancelled: boolean; cbs: Array<() => void> }): void {
    h.cancelled = true;
    for (const cb of h.cbs.splice(0)) cb();
    holds.delete(key);
  }

  function serve(t: Thread): void {
    const { ch, index } = t;
    ch.on(CALLS.quotaCheck, (bindings: QuotaBinding[]) => state.quotas.check(bindings));
    ch.on(CALLS.quotaRecord, (usage: { bindings: QuotaBinding[]; tokens: number }) => state.quotas.record(usage));
    ch.on(CALLS.quotaSpent, (keys: string[]) => state.quotas.spent(keys));
    ch.on(CALLS.quotaAddSpend, (a: { key: string; micros: number; ttlMs: number }) => state.quotas.addSpend(a.key, a.micros, a.ttlMs));
    ch.on(CALLS.vaultPut, (p: { session: string; token: string; value: string; ttlMs: number }) => state.vault.put(p.session, p.token, p.value, p.ttlMs));
    ch.on(CALLS.vaultPreload, (session: string) => (state.vault.preload ? state.vault.preload(session) : (state.vault.entriesOf?.(session) ?? new Map())));
    ch.on(CALLS.auditExchange, (a: { record: AuditRecordInput; reqId: string; wait: boolean }) => {
      const out = state.audit.appendExchange(a.record, a.reqId);
      if (a.wait) return out;
      out?.catch(() => undefined);
      return undefined;
    });
    ch.on(CALLS.approvalAwait, async (ask: ApprovalAsk): Promise<ApprovalAnswer> => {
      const key = `${index}:${ask.hold}`;
      const h = { cancelled: false, cbs: [] as Array<() => void> };
      holds.set(key, h);
      const ctx = { ...ask.ctx, findings: [], clientAborted: false, timings: { start: performance.now() } } as unknown as RequestContext;
      try {
        await state.approvals.await(ctx, ask.verdict, (cb) => (h.cancelled ? cb() : void h.cbs.push(cb)));
        return { approvalId: ctx.approvalId, approver: ctx.approver };
      } catch (err) {
        const e = toSluiceError(err);
        return { approvalId: ctx.approvalId, approver: ctx.approver, error: { code: e.code, message: e.message, headers: e.headers, details: e.details } };
      } finally {
        holds.delete(key);
      }
    });
    ch.on(CALLS.approvalCancel, (hold: number) => {
      const key = `${index}:${hold}`;
      const h = holds.get(key);
      if (h) cancelHold(key, h);
    });
    ch.on(CALLS.admin, (a: { ctx: Pick<RequestContext, 'id' | 'method' | 'path' | 'headers' | 'remoteAddress'>; body: Uint8Array }) => {
      const ctx = { ...a.ctx, findings: [], findingSummary: [], stream: false, clientAborted: false, timings: { start: performance.now() } } as RequestContext;
      return state.admin.handle(ctx, a.body);
    });
    ch.on(CALLS.operations, (path: string) => (path === '/metrics' ? renderMetrics() : readiness()));
  }

  async function renderMetrics(): Promise<OperationsAnswer> {
    const none: MetricsSnapshot = [];
    const snapshots = await Promise.all(threads.map((t) => (t.alive ? t.ch.call<MetricsSnapshot>(CALLS.metrics).catch(() => none) : none)));
    return { status: 200, contentType: metrics.contentType, body: await mergeThreads(await metrics.snapshot(), snapshots) };
  }

  async function readiness(): Promise<OperationsAnswer> {
    const perThread = await Promise.all(
      threads.map((t) => (t.alive ? t.ch.call<Record<string, Check>>(CALLS.readiness).catch(() => undefined) : Promise.resolve(undefined))),
    );
    const checks: Record<string, Check> = {};
    perThread.forEach((c, i) => {
      for (const [name, check] of Object.entries(c ?? {})) {
        const seen = checks[name];
        if (!seen || (seen.ok && !check.ok)) checks[name] = check.ok ? check : { ok: false, detail: `thread ${i}: ${check.detail ?? 'not ready'}` };
      }
    });
    const up = perThread.filter((c) => c !== undefined).length;
    const n = threads.length;
    checks.threads = up === n ? { ok: true, detail: `${n} HTTP threads serving` } : { ok: false, detail: `${up} of ${n} HTTP threads serving` };
    for (const c of state.readiness) checks[c.name] = safeCheck(c);
    return readinessReport(checks);
  }

  state.audit.onRefusingChange((r) => {
    for (const t of threads) if (t.alive) t.ch.notify(CALLS.auditRefusing, r);
  });

  // The first thread alone, so a start-up failure (port in use, bad TLS files) is reported once; then the rest.
  try {
    threads.push(spawn(0));
    const first = await threads[0]!.ready;
    const rest: Thread[] = [];
    for (let i = 1; i < count; i++) rest.push(spawn(i));
    // A thread that cannot start beside the first (its listener cannot share the port on this build, a resource
    // limit) leaves the instance serving with fewer threads rather than not at all.
    const started = await Promise.allSettled(rest.map((t) => t.ready));
    started.forEach((r, i) => {
      const t = rest[i]!;
      if (r.status === 'fulfilled') return void threads.push(t);
      t.abandoned = true;
      logger.error({ thread: t.index, err: r.reason instanceof Error ? r.reason.message : String(r.reason) }, 'HTTP thread could not start; serving with fewer threads');
    });
    startupDone = true;
    logger.info({ threads: threads.length, port: first.port }, 'HTTP threads serving');
    if (state.audit.refusing) for (const t of threads) t.ch.notify(CALLS.auditRefusing, true);

    let drained: Promise<void> | undefined;
    let closed: Promise<void> | undefined;
    const api: HttpThreads = {
      port: first.port,
      engine: first.engine,
      count: threads.length,
      get inFlight() {
        let n = 0;
        for (let i = 0; i < count; i++) n += Atomics.load(inFlight, i);
        return n;
      },
      operations: (path) => (path === '/metrics' ? renderMetrics() : readiness()),
      reloadPolicy(sources) {
        for (const t of threads) if (t.alive) t.ch.notify(CALLS.policy, sources);
      },
      drain() {
        closing = true;
        drained ??= Promise.all(threads.map((t) => (t.alive ? t.ch.call(CALLS.close, 'drain').catch(() => undefined) : undefined))).then(() => undefined);
        return drained;
      },
      close() {
        closing = true;
        closed ??= Promise.all(threads.map((t) => stop(t, config.server.shutdownGraceMs + 5000))).then(() => undefined);
        return closed;
      },
    };
    return api;
  } catch (err) {
    closing = true;
    await Promise.all(threads.map((t) => stop(t, 5000)));
    throw err;
  }
}

/** Ask a thread to drain and close; a thread that does not exit in time is terminated. */
async function stop(t: Thread, timeoutMs: number): Promise<void> {
  if (!t.alive) return;
  const exited = new Promise<void>((resolve) => t.worker.once('exit', () => resolve()));
  t.ch.call(CALLS.close, 'close').catch(() => undefined);
  const timer = setTimeout(() => void t.worker.terminate(), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Each HTTP thread runs its own piscina pool for large bodies: the configured sizes are shared out so the instance
 * runs about as many pool workers as configured in all (at least one per thread).
 */
export function shareOfPool<P extends { minThreads: number; maxThreads: number; maxQueue: number }>(pool: P, threads: number): P {
  const maxThreads = Math.max(1, Math.ceil(pool.maxThreads / threads));
  return {
    ...pool,
    minThreads: Math.min(maxThreads, Math.ceil(pool.minThreads / threads)),
    maxThreads,
    maxQueue: Math.max(1, Math.ceil(pool.maxQueue / threads)),
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
