// The gateway's policy step: profile before the body is scanned, decision and quota after.
import type { PolicyStep, Verdict } from '../ports.js';
import type { RequestContext } from '../context.js';
import { SluiceError } from '../errors.js';
import type { PolicyStore } from './load.js';
import { evaluate, type PolicyDecision } from './evaluate.js';
import { createProfiler } from './profile.js';
import { createMemoryQuotaStore, quotaExceededError, type QuotaStore } from './quota.js';

export interface GatewayPolicy extends PolicyStep {
  readonly quotas: QuotaStore;
}

export function createPolicyStep(store: Pick<PolicyStore, 'current'>, secret: string, quotas: QuotaStore = createMemoryQuotaStore()): GatewayPolicy {
  const profiler = createProfiler({ secret });
  // Decisions are remembered per request so record() charges the same quota bindings the check took.
  const decisions = new WeakMap<RequestContext, PolicyDecision>();

  return {
    quotas,
    profileFor: function profileFor(identity, connection) {
      return profiler.profileFor(store.current(), identity, connection);
    },
    decide: async function decide(ctx): Promise<Verdict> {
      const route = ctx.route!;
      const d = evaluate(
        store.current(),
        ctx.identity,
        {
          connection: route.connection,
          route: route.route,
          model: ctx.model,
          modelExpected: route.inspect,
          tools: ctx.tools,
          justification: ctx.justification,
          bodyBytes: ctx.maskedRequest?.byteLength ?? 0,
          jobHeader: ctx.headers['x-sluice-job'],
        },
        ctx.findingSummary,
        { explain: false },
      );
      decisions.set(ctx, d);
      if (d.identity) ctx.identity = d.identity;
      if (d.outcome === 'block') {
        ctx.decision = d;
        throw new SluiceError(d.code ?? 'SLUICE_POLICY_BLOCKED', d.reason ?? `Blocked by policy rule ${d.rules[0] ?? ''}`.trim());
      }
      let responseHeaders: Array<[string, string]> | undefined;
      if (d.quotas.length > 0) {
        const q = await quotas.check(d.quotas);
        if (!q.allowed) {
          ctx.decision = d;
          throw quotaExceededError(q);
        }
        responseHeaders = Object.entries(q.headers);
      }
      return { ...d, responseHeaders };
    },
    record: function recordUsage(ctx) {
      const d = decisions.get(ctx);
      const tokens = ctx.usage?.total ?? (ctx.usage?.input ?? 0) + (ctx.usage?.output ?? 0);
      if (d && d.quotas.length > 0 && tokens > 0) void quotas.record({ bindings: d.quotas, tokens }).catch(() => undefined);
    },
  };
}
