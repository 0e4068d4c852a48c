// The gateway's routing step: after policy decided on the logical model, a plan of the targets the caller may reach;
// at forward time, the attempts (retries, fallbacks) recorded on the request context.
import type { RequestContext } from '../context.js';
import type { ForwardRequest, ResponseSink } from '../upstream/forward.js';
import type { Metrics } from '../observe/metrics.js';
import type { PolicyStep, Verdict } from '../ports.js';
import { SluiceError } from '../errors.js';
import type { ModelRouter, RoutePlan } from './router.js';
import { dispatch } from './dispatch.js';

export interface RoutingStep {
  readonly router: ModelRouter;
  /** The targets for this request (undefined: not a routed model). Throws SLUICE_FORBIDDEN when policy allows none. */
  plan(ctx: RequestContext, verdict: Verdict): RoutePlan | undefined;
  /** Forwards with retries and fallbacks; `onClientAbort` registers the client-gone callback. */
  send(ctx: RequestContext, plan: RoutePlan, req: Omit<ForwardRequest, 'upstream'>, sink: ResponseSink, onClientAbort: (cb: () => void) => void): void;
}

const DEADLINE_RE = /^[1-9][0-9]{0,8}$/;

/**
 * `x-sluice-deadline-ms`: how long the caller waits in all (its SDK timeout), counted from when Sluice got the
 * request. No attempt starts after it and the wait for headers is cut to what is left. Epoch ms, or undefined.
 */
export function deadlineOf(ctx: RequestContext): number | undefined {
  const raw = ctx.headers['x-sluice-deadline-ms'];
  if (raw === undefined) return undefined;
  if (!DEADLINE_RE.test(raw)) throw new SluiceError('SLUICE_BAD_REQUEST', 'x-sluice-deadline-ms must be a positive whole number of milliseconds');
  return Date.now() - (performance.now() - ctx.timings.start) + Number(raw);
}

export function createRoutingStep(router: ModelRouter, policy: PolicyStep, metrics: Metrics): RoutingStep {
  for (const t of router.targets()) {
    const labels = { connection: t.connection, model: t.model };
    // Each HTTP thread has its breakers; the exposition sums the threads, so each reports 1 while not closed.
    metrics.circuitOpen.track(labels, () => (t.breaker.state === 'closed' ? 0 : 1));
    metrics.targetInFlight.track(labels, () => t.inFlight);
  }

  return {
    router,
    plan: function planRoute(ctx, verdict) {
      const route = ctx.route!;
      if (!route.inspect) return undefined;
      const plan = router.plan(route.provider, ctx.model, policy.targetCheck?.(ctx, verdict));
      if (!plan) return undefined;
      if (plan.tiers.every((t) => t.members.length === 0)) {
        throw new SluiceError('SLUICE_FORBIDDEN', `model "${ctx.model}" has no target this caller may use`);
      }
      ctx.routing = { logical: plan.logical, attempts: [] };
      return plan;
    },
    send: function sendRouted(ctx, plan, req, sink, onClientAbort) {
      const info = ctx.routing!;
      dispatch(router, plan, { ...req, model: ctx.model!, deadline: deadlineOf(ctx) }, sink, {
        onAttempt(a) {
          info.attempts.push(a);
          info.connection = a.connection;
          info.model = a.model;
          metrics.routeAttempts.inc({ connection: a.connection, model: a.model, outcome: a.outcome, status: String(a.status ?? a.error ?? 'none') });
        },
        onCommit(t) {
          // Metrics and the audit name the connection that answered.
          ctx.route = { ...ctx.route!, connection: t.connection };
        },
        onRetry(connection, reason, taken) {
          if (taken) metrics.routeRetries.inc({ connection, reason });
          else metrics.retryBudgetExhausted.inc({ connection });
        },
        onClientAbort,
      });
    },
  };
}
