// The `routes` section: logical models → groups of targets, aliases, fallbacks, retries, circuit breakers.
import * as v from 'valibot';
import { at, def, dict, int, list, nonEmptyList, obj, oneOf, opt, req, section, text } from '../config/kit.js';

export const STRATEGIES = ['weighted', 'least-in-flight', 'lowest-latency'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** What the gateway retries (issue 19): connect errors and these statuses, before any byte reached the client. */
export const RETRY_STATUSES = Object.freeze([429, 500, 502, 503, 504, 529]);

const target = obj({
  connection: req(text(), { description: 'A connection name from `connections`.', examples: ['openai-a'] }),
  model: opt(text(), { description: 'The model the target is asked for (default: the logical model name).', examples: ['gpt-4o-mini-eu'] }),
  weight: def(int(1, 1_000_000), 1, 'Share of traffic under the `weighted` strategy (and the divisor of in-flight under `least-in-flight`).'),
  maxInFlight: opt(int(1), { description: 'Requests this target may have open at once, per HTTP thread; a full target is skipped.', examples: [64] }),
});

const retry = section({
  maxAttempts: def(int(1, 10), 3, 'Attempts per request including the first (`1`: no retries). Spread over the targets and fallbacks.'),
  statuses: def(list(int(400, 599)), [...RETRY_STATUSES], 'Upstream statuses retried (connect errors and resets before the response are retried too).'),
  baseDelayMs: def(int(0, 60_000), 100, 'First backoff before retrying the same target; doubles per retry, with full jitter.'),
  maxDelayMs: def(int(0, 600_000), 2_000, 'Longest backoff wait.'),
  maxRetryAfterMs: def(int(0, 600_000), 10_000, 'A `retry-after` / `x-ratelimit-reset-*` longer than this is not waited for: the target cools down and the request goes elsewhere or fails.'),
  budgetPercent: def(int(0, 100), 20, 'Per connection: retries caused by its failures stay under this share of its requests over `breaker.windowSeconds`…'),
  budgetMinPerSecond: def(int(0, 100_000), 10, '…plus this many per second, so a quiet connection may still retry.'),
}, 'Retries with exponential backoff and jitter, only before the first response byte reached the client.');

const breaker = section({
  windowSeconds: def(int(1, 600), 10, 'Sliding window of outcomes per target.'),
  minRequests: def(int(1), 20, 'Outcomes in the window before the breaker may open.'),
  failurePercent: def(int(1, 100), 50, 'Opens when this share of the window failed (connect errors, 5xx, 429).'),
  openSeconds: def(int(1, 3600), 30, 'How long an open breaker refuses before half-open probes.'),
  halfOpenProbes: def(int(1, 1000), 1, 'Requests let through at once while half-open; a success closes the breaker, a failure reopens it.'),
}, 'A circuit breaker per target.');

export const RoutesSchema = section({
  strategy: def(oneOf(STRATEGIES), 'weighted', 'How a target is picked: `weighted` (smooth weighted round robin), `least-in-flight` (fewest open requests per weight), `lowest-latency` (recent time to response headers × open requests).'),
  models: def(
    dict(nonEmptyList(target)),
    {},
    { description: 'Logical model → its targets. A request naming the model (in its body) goes to one of them; the model in the body is rewritten to the target\'s.', examples: [{ 'gpt-4o-mini': [{ connection: 'openai-a', weight: 3 }, { connection: 'azure-eu', model: 'gpt-4o-mini-eu', weight: 1 }] }] },
  ),
  strategies: def(dict(oneOf(STRATEGIES)), {}, { description: 'Per logical model, a strategy other than `strategy`.', examples: [{ 'gpt-4o': 'lowest-latency' }] }),
  aliases: def(dict(text()), {}, { description: 'Other names for logical models.', examples: [{ fast: 'gpt-4o-mini' }] }),
  fallbacks: def(dict(list(text())), {}, { description: 'Logical model → other logical models tried, in order, when none of its targets can answer.', examples: [{ 'gpt-4o-mini': ['gpt-4o'] }] }),
  retry,
  breaker,
}, 'Model routing: groups of targets per logical model, retries, fallbacks and circuit breakers (docs/routing.md).');

export type RoutesConfig = v.InferOutput<typeof RoutesSchema>;
export type RetryConfig = RoutesConfig['retry'];
export type BreakerConfig = RoutesConfig['breaker'];

/** Cross-checks against `connections` (run on the whole config): names exist, one provider per group, no cycles of aliases. */
export function checkRoutes(routes: RoutesConfig, connections: ReadonlyArray<{ name: string; provider: string }>, addIssue: (i: { message: string; path: ReturnType<typeof at> }) => void): void {
  const provider = new Map(connections.map((c) => [c.name, c.provider]));
  const kindOf = new Map<string, string>();
  for (const [model, targets] of Object.entries(routes.models)) {
    targets.forEach((t, i) => {
      const p = provider.get(t.connection);
      if (!p) return addIssue({ message: `unknown connection "${t.connection}" (expected one of: ${[...provider.keys()].join(', ')})`, path: at('routes', 'models', model, i, 'connection') });
      const first = kindOf.get(model);
      if (first && first !== p) addIssue({ message: `connection "${t.connection}" is ${p} but the other targets of "${model}" are ${first}: one provider kind per model`, path: at('routes', 'models', model, i, 'connection') });
      kindOf.set(model, first ?? p);
    });
  }
  for (const [alias, model] of Object.entries(routes.aliases)) {
    if (routes.models[alias]) addIssue({ message: `"${alias}" is a model in routes.models; an alias must be another name`, path: at('routes', 'aliases', alias) });
    else if (!routes.models[model]) addIssue({ message: `unknown model "${model}" (an alias names a key of routes.models)`, path: at('routes', 'aliases', alias) });
  }
  for (const key of ['strategies', 'fallbacks'] as const) {
    for (const model of Object.keys(routes[key])) {
      if (!routes.models[model]) addIssue({ message: `unknown model "${model}" (expected a key of routes.models)`, path: at('routes', key, model) });
    }
  }
  for (const [model, next] of Object.entries(routes.fallbacks)) {
    next.forEach((f, i) => {
      if (!routes.models[f]) addIssue({ message: `unknown model "${f}" (a fallback names a key of routes.models)`, path: at('routes', 'fallbacks', model, i) });
      else if (f === model) addIssue({ message: `"${model}" cannot fall back to itself`, path: at('routes', 'fallbacks', model, i) });
      else if (kindOf.get(f) !== kindOf.get(model)) addIssue({ message: `"${f}" is served by ${kindOf.get(f)} connections, "${model}" by ${kindOf.get(model)}: a fallback keeps the provider kind`, path: at('routes', 'fallbacks', model, i) });
    });
  }
}
