// Routing work per request (docs/routing.md): the plan of a routed model with policy's check of each target, the
// pick of a target and its release, and the model rewrite of the body — what a routed request costs beyond an
// unrouted one, on the compiled code in dist/.
import { join } from 'node:path';
import { Bench } from 'tinybench';

const REPO = join(import.meta.dirname, '../..');

export async function run({ time }) {
  const { createModelRouter } = await import('../../dist/routing/router.js');
  const { withModel } = await import('../../dist/routing/rewrite.js');
  const { loadPolicyDir, createProfiler } = await import('../../dist/policy/index.js');
  const { createPolicyStep } = await import('../../dist/policy/step.js');
  const loaded = await loadPolicyDir(join(REPO, 'policies'));
  if (!loaded.ok) throw new Error('policies/ did not load');
  const policy = loaded.policy;

  // Upstreams as the router reads them: a pool's limits and its in-flight count (no sockets are opened).
  const upstream = (name) => ({ conn: { name, provider: 'openai', connections: 1024, maxQueue: 1024 }, inFlight: 0 });
  const upstreams = new Map(['openai', 'anthropic'].map((n) => [n, upstream(n)]));
  const breaker = { windowSeconds: 10, minRequests: 20, failurePercent: 50, openSeconds: 30, halfOpenProbes: 1 };
  const retry = { maxAttempts: 3, statuses: [429, 500, 502, 503, 504, 529], baseDelayMs: 100, maxDelayMs: 2000, maxRetryAfterMs: 10000, budgetPercent: 20, budgetMinPerSecond: 10 };
  const cfg = (strategy) => ({
    strategy,
    models: { 'gpt-4o-mini': [{ connection: 'openai', weight: 3 }, { connection: 'openai', model: 'gpt-4o-mini-2024-07-18', weight: 1 }, { connection: 'openai', model: 'gpt-4o-mini-eu', weight: 1 }] },
    strategies: {},
    aliases: { fast: 'gpt-4o-mini' },
    fallbacks: {},
    retry,
    breaker,
  });
  const routers = Object.fromEntries(['weighted', 'least-in-flight', 'lowest-latency'].map((s) => [s, createModelRouter(cfg(s), upstreams)]));

  const step = createPolicyStep({ current: () => policy }, '0123456789abcdef0123456789abcdef');
  const identity = { subject: 'bench', groups: ['streaming-jobs'], job: 'flink-enrich', session: 's-1', via: 'jwt' };
  const profile = createProfiler({ secret: '0123456789abcdef0123456789abcdef' }).profileFor(policy, identity, 'openai');
  const ctx = {
    route: { connection: 'openai', provider: 'openai', route: 'chat.completions', upstreamPath: '/chat/completions', query: '', method: 'POST', inspect: true },
    identity, profile: step.profileFor(identity, 'openai'), model: 'fast', headers: {}, findingSummary: [{ detector: 'card', type: 'card', action: 'tokenize', count: 1 }],
    maskedRequest: new Uint8Array(4096),
  };
  void profile;
  const verdict = { outcome: 'allow', rules: ['streaming-jobs'] };
  const allows = () => step.targetCheck(ctx, verdict);
  const tried = new Set();
  const body = Buffer.from(JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x'.repeat(4000) }] }));

  const once = (router, withPolicy) => {
    const plan = router.plan('openai', 'fast', withPolicy ? allows() : undefined);
    const now = Date.now();
    const t = router.pick(plan, tried, now);
    router.release(t, { ok: true, latencyMs: 120 }, now);
    return t;
  };

  const bench = new Bench({ name: 'routing', time });
  bench
    .add('plan + pick + release, weighted (3 targets)', () => once(routers.weighted, false))
    .add('plan + pick + release, least-in-flight', () => once(routers['least-in-flight'], false))
    .add('plan + pick + release, lowest-latency', () => once(routers['lowest-latency'], false))
    .add('policy check of one target (cached after the first request)', () => allows()('openai', 'gpt-4o-mini-eu'))
    .add('plan with policy checks of 3 targets + pick + release', () => once(routers.weighted, true))
    .add('model rewrite of a 4 KiB body', () => withModel(body, 'gpt-4o-mini-eu'))
    .add('routing step per request (policy-checked plan, pick, rewrite)', () => {
      const t = once(routers.weighted, true);
      if (t.model !== 'fast') withModel(body, t.model);
    });
  return bench;
}
