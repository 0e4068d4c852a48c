// The gateway's policy step: profile before the body is scanned, decision and quota after.
import type { PolicyStep, Verdict } from '../ports.js';
import type { RequestContext } from '../context.js';
import { SluiceError } from '../errors.js';
import type { PolicyStore } from './load.js';
import { evaluate, type PolicyDecision, type RequestInfo } from './evaluate.js';
import { createProfiler } from './profile.js';
import type { Policy } from './types.js';
import type { SpendStep } from '../spend/index.js';
import { createMemoryQuotaStore, quotaExceededError, type QuotaStore } from './quota.js';

export interface GatewayPolicy extends PolicyStep {
  readonly quotas: QuotaStore;
}

interface TargetCheck {
  allowed: boolean;
  maxBodyBytes?: number;
}

const MAX_TARGET_CHECKS = 10_000;

function requestInfo(ctx: RequestContext, connection: string, model: string | undefined): RequestInfo {
  const route = ctx.route!;
  return {
    connection,
    route: route.route,
    model,
    modelExpected: route.inspect,
    tools: ctx.tools,
    justification: ctx.justification,
    bodyBytes: ctx.maskedRequest?.byteLength ?? 0,
    jobHeader: ctx.headers['x-sluice-job'],
  };
}

export function createPolicyStep(store: Pick<PolicyStore, 'current'>, secret: string, quotas: QuotaStore = createMemoryQuotaStore(), spend?: SpendStep): GatewayPolicy {
  const profiler = createProfiler({ secret });
  // Decisions are remembered per request so record() charges the same quota bindings the check took.
  const decisions = new WeakMap<RequestContext, PolicyDecision>();
  // Routed requests check each target (docs/routing.md); a job's requests ask the same questions over and over.
  const targetChecks = new WeakMap<Policy, Map<string, TargetCheck>>();

  function checkTarget(policy: Policy, ctx: RequestContext, verdict: Verdict, connection: string, model: string): TargetCheck {
    // Nothing leaves inspected with fewer detectors than the target's connection applies to this caller.
    if (profiler.profileFor(policy, ctx.identity, connection).key !== ctx.profile?.key) return { allowed: false };
    const d = evaluate(policy, ctx.identity, { ...requestInfo(ctx, connection, model), bodyBytes: 0 }, ctx.findingSummary, { explain: false });
    // A target that needs an approval the logical model did not get is out of reach.
    return { allowed: d.outcome === 'allow' || (d.outcome === 'approve' && verdict.outcome === 'approve'), maxBodyBytes: d.maxBodyBytes };
  }

  return {
    quotas,
    profileFor: function profileFor(identity, connection) {
      return profiler.profileFor(store.current(), identity, connection);
    },
    decide: async function decide(ctx): Promise<Verdict> {
      const d = evaluate(store.current(), ctx.identity, requestInfo(ctx, ctx.route!.connection, ctx.model), ctx.findingSummary, { explain: false });
      decisions.set(ctx, d);
      if (d.identity) ctx.identity = d.identity;
      if (d.outcome === 'block') {
        ctx.decision = d;
        throw new SluiceError(d.code ?? 'SLUICE_POLICY_BLOCKED', d.reason ?? `Blocked by policy rule ${d.rules[0] ?? ''}`.trim());
      }
      let responseHeaders: Array<[string, string]> | undefined;
      if (spend) {
        try {
          const warnings = await spend.check(d.identity ?? ctx.identity!);
          if (warnings.length) responseHeaders = warnings;
        } catch (err) {
          ctx.decision = d;
          throw err;
        }
      }
      if (d.quotas.length > 0) {
        const q = await quotas.check(d.quotas);
        if (!q.allowed) {
          ctx.decision = d;
          throw quotaExceededError(q);
        }
        responseHeaders = [...(responseHeaders ?? []), ...Object.entries(q.headers)];
      }
      return { ...d, responseHeaders };
    },
    targetCheck: function targetCheck(ctx, verdict) {
      const policy = store.current();
      let perPolicy = targetChecks.get(policy);
      if (!perPolicy) targetChecks.set(policy, (perPolicy = new Map()));
      const checks = perPolicy;
      // Everything the decision reads except the body size, which is compared to the limit the decision found.
      const who = ctx.identity;
      let common = `${ctx.route!.route}\0${ctx.profile?.key}\0${verdict.outcome}\0${who?.subject}\0${who?.job}\0${who?.groups.join('\u0001')}\0${ctx.headers['x-sluice-job']}\0${ctx.justification?.length}\0${ctx.tools?.join('\u0001')}`;
      for (const f of ctx.findingSummary) common += `\0${f.detector}:${f.action}:${f.count}`;
      const bodyBytes = ctx.maskedRequest?.byteLength ?? 0;
      return function allowsTarget(connection, model) {
        const key = `${connection}\0${model}\0${common}`;
        let check = checks.get(key);
        if (!check) {
          check = checkTarget(policy, ctx, verdict, connection, model);
          if (checks.size >= MAX_TARGET_CHECKS) checks.clear();
          checks.set(key, check);
        }
        return check.allowed && (check.maxBodyBytes === undefined || bodyBytes <= check.maxBodyBytes);
      };
    },
    record: function recordUsage(ctx) {
      spend?.record(ctx);
      const d = decisions.get(ctx);
      const tokens = ctx.usage?.total ?? (ctx.usage?.input ?? 0) + (ctx.usage?.output ?? 0);
      if (d && d.quotas.length > 0 && tokens > 0) void quotas.record({ bindings: d.quotas, tokens }).catch(() => undefined);
    },
  };
}
