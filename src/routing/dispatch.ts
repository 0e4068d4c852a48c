// One exchange, several attempts: pick a target, forward, and retry elsewhere (or after a backoff) on a connect error
// or a retryable status — only while nothing of the response has gone to the client. The first response that is
// not retried is committed: from then on its bytes flow to the client sink and the exchange can no longer be replayed.
import { forward, type FlowControl, type ForwardRequest, type ResponseSink } from '../upstream/forward.js';
import { SluiceError } from '../errors.js';
import type { ModelRouter, RoutePlan, TargetState } from './router.js';
import { backoffMs, retryHintMs } from './backoff.js';
import { withModel } from './rewrite.js';
import type { RouteAttempt as Attempt } from '../context.js';

export interface DispatchHooks {
  /** Every finished attempt, in order. */
  onAttempt(a: Attempt): void;
  /** The attempt whose response goes to the client (before its first byte is written). */
  onCommit(target: TargetState): void;
  /** A retry was scheduled (`taken`) or refused by the connection's retry budget (for metrics), with its cause. */
  onRetry?(connection: string, reason: string, taken: boolean): void;
  /** Registers the client-gone callback. */
  onClientAbort(cb: () => void): void;
}

export interface DispatchRequest extends Omit<ForwardRequest, 'upstream'> {
  /** The model the body names (the logical one); a target with another model gets the body rewritten. */
  model: string;
  /** Epoch ms after which no attempt is started (x-sluice-deadline-ms). */
  deadline?: number;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EPIPE']);

/** Errors before any response that are safe to retry: the request never reached a model (or the socket died first). */
export function retryableError(err: SluiceError): boolean {
  if (err.code === 'SLUICE_UPSTREAM_BUSY' || err.code === 'SLUICE_UPSTREAM_UNREACHABLE') return true;
  const cause = err.cause as { code?: string } | undefined;
  return (err.code === 'SLUICE_UPSTREAM_RESET' || err.code === 'SLUICE_UPSTREAM_TIMEOUT') && CONNECT_CODES.has(cause?.code ?? '');
}

export function dispatch(router: ModelRouter, plan: RoutePlan, req: DispatchRequest, sink: ResponseSink, hooks: DispatchHooks): void {
  const cfg = router.retry;
  const { model: _model, deadline: _deadline, ...forwarded } = req;
  const statuses = new Set(cfg.statuses);
  const tried = new Set<TargetState>();
  const bodies = new Map<string, Uint8Array | null>();
  let attempts = 0;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let cancel: (() => void) | undefined;
  let sameTargetRetries = 0;

  hooks.onClientAbort(() => {
    done = true;
    clearTimeout(timer);
    cancel?.();
  });

  function bodyFor(model: string): Uint8Array | null {
    if (!req.body || model === req.model) return req.body;
    let b = bodies.get(model);
    if (b === undefined) {
      b = withModel(req.body, model) ?? null;
      if (!b) throw new SluiceError('SLUICE_BAD_REQUEST', 'The request\'s "model" must be a plain top-level string to be routed');
      bodies.set(model, b);
    }
    return b;
  }

  /** Fails the exchange before anything was sent to the client. */
  function fail(err: SluiceError): void {
    done = true;
    sink.onError(err, false);
  }

  function unavailable(): SluiceError {
    const wait = Math.max(1, Math.ceil(router.nextAvailableMs(plan, Date.now()) / 1000));
    return new SluiceError('SLUICE_ROUTE_UNAVAILABLE', `No target of model "${plan.logical}" can take the request now (circuits open, cooling down or at their limits)`, { headers: { 'retry-after': String(wait) } });
  }

  /**
   * Whether one more attempt may follow the failure of `t`, and after how long. Null: answer with what we have.
   * `hint` is the provider's retry-after: that target cools down for it (and is only waited for when it is short).
   */
  function nextDelay(t: TargetState, hint: number | undefined, reason: string, now: number): number | null {
    if (attempts >= cfg.maxAttempts) return null;
    // Another target that can answer now goes first, without waiting; the same target only after a backoff.
    let wait = 0;
    if (!router.canTry(plan, tried, now)) {
      // A few ms past the hint: the target's cool-down must be over when the timer fires. A hint too long to wait
      // for leaves the target cooling: then only another target can take the retry.
      const hinted = hint !== undefined && hint <= cfg.maxRetryAfterMs ? hint + 5 : 0;
      wait = Math.max(hinted, backoffMs(sameTargetRetries, cfg.baseDelayMs, cfg.maxDelayMs));
      // Nothing that could take it then (the failure opened the only breaker, …): the client gets this answer.
      if (!router.canTry(plan, undefined, now + wait)) return null;
    }
    if (req.deadline !== undefined && now + wait >= req.deadline) return null;
    // Last, so a retry that is not going to happen takes nothing from the budget.
    if (!router.budget(t.connection).tryRetry(now)) {
      hooks.onRetry?.(t.connection, reason, false);
      return null;
    }
    return wait;
  }

  function attempt(): void {
    if (done) return;
    const now = Date.now();
    if (req.deadline !== undefined && now >= req.deadline) return fail(new SluiceError('SLUICE_UPSTREAM_TIMEOUT', 'The request deadline (x-sluice-deadline-ms) passed before an upstream answered'));
    const t = router.pick(plan, tried, now);
    if (!t) return fail(unavailable());
    if (tried.has(t)) sameTargetRetries++;
    tried.add(t);
    attempts++;
    const t0 = performance.now();
    let committed = false;
    let released = false;
    // ok null: no verdict on the target's health (its pool here was full).
    const release = (ok: boolean | null, latencyMs?: number, coolMs?: number) => {
      if (released) return;
      released = true;
      router.release(t, { ok, latencyMs, coolMs }, Date.now());
    };
    const record = (status: number | null, err: SluiceError | null, outcome: Attempt['outcome']) =>
      hooks.onAttempt({ connection: t.connection, model: t.model, status, error: err?.code ?? null, ms: Math.round((performance.now() - t0) * 1000) / 1000, outcome });
    const retryLater = (wait: number, reason: string) => {
      hooks.onRetry?.(t.connection, reason, true);
      if (wait === 0) return void setImmediate(attempt);
      timer = setTimeout(attempt, wait);
    };

    let body: Uint8Array | null;
    try {
      body = bodyFor(t.model);
    } catch (err) {
      release(true);
      return fail(err as SluiceError);
    }
    if (attempts === 1) router.budget(t.connection).request(Date.now());
    const remaining = req.deadline === undefined ? undefined : Math.max(1, req.deadline - Date.now());

    const gate: ResponseSink = {
      onStart(status: number, headers, flow: FlowControl) {
        if (done) return flow.abort();
        const ms = performance.now() - t0;
        if (statuses.has(status)) {
          const hint = retryHintMs(headers);
          release(false, undefined, status === 429 || status === 503 || status === 529 ? hint : undefined);
          const wait = nextDelay(t, hint, String(status), Date.now());
          if (wait !== null) {
            flow.abort();
            record(status, null, 'retried');
            return retryLater(wait, String(status));
          }
        } else release(status < 500, status < 400 ? ms : undefined);
        committed = true;
        record(status, null, 'committed');
        hooks.onCommit(t);
        sink.onStart(status, headers, flow);
      },
      onData(chunk) {
        if (committed) sink.onData(chunk);
      },
      onEnd() {
        if (committed) sink.onEnd();
      },
      onError(err, started) {
        if (committed) return sink.onError(err, started);
        if (done) return;
        release(err.code === 'SLUICE_UPSTREAM_BUSY' ? null : false);
        const wait = retryableError(err) ? nextDelay(t, undefined, err.code, Date.now()) : null;
        if (wait !== null) {
          record(null, err, 'retried');
          return retryLater(wait, err.code);
        }
        record(null, err, 'failed');
        fail(err);
      },
    };
    try {
      cancel = forward({ ...forwarded, upstream: t.upstream, body, ...(remaining === undefined ? {} : { headersTimeoutMs: remaining }) }, gate);
    } catch (err) {
      // The target's pool is full: like a connect error, try elsewhere.
      gate.onError(err instanceof SluiceError ? err : new SluiceError('SLUICE_INTERNAL', 'forward failed', { cause: err }), false);
    }
  }

  attempt();
}
