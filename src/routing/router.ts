// Logical model → targets, and the state that picks among them: in flight, recent latency, cool-down, breaker.
// One router per gateway pipeline (each HTTP thread has its own, like its upstream pools): no module state.
import type { Upstream } from '../upstream/pools.js';
import type { ProviderKind } from '../types.js';
import type { ReadinessCheck } from '../ports.js';
import { Breaker, RetryBudget } from './breaker.js';
import type { RetryConfig, RoutesConfig, Strategy } from './config.js';

export interface TargetState {
  /** `connection/model`, as metrics and the audit name it. */
  readonly key: string;
  readonly connection: string;
  readonly model: string;
  readonly upstream: Upstream;
  readonly maxInFlight: number;
  /** Attempts reserved or running on this target. */
  inFlight: number;
  /** Moving average of the time to response headers (ms); 0 until the first sample. */
  latencyMs: number;
  /** Epoch ms until which the provider asked not to be called (retry-after on a 429/503). */
  coolUntil: number;
  readonly breaker: Breaker;
}

interface Member {
  readonly target: TargetState;
  readonly weight: number;
  /** Smooth weighted round robin (nginx): the member's running score. */
  current: number;
}

interface Group {
  readonly name: string;
  readonly provider: ProviderKind;
  readonly strategy: Strategy;
  readonly members: Member[];
  fallbacks: Group[];
  /** Rotates ties under least-in-flight / lowest-latency so equal targets share the load. */
  turn: number;
}

/** One tier of candidates: the logical model's targets first, then each fallback model's. */
export interface Tier {
  readonly group: Group;
  readonly members: Member[];
}

export interface RoutePlan {
  /** The logical model (an alias resolved to the model it names). */
  readonly logical: string;
  readonly provider: ProviderKind;
  readonly tiers: Tier[];
}

export interface ModelRouter {
  readonly retry: RetryConfig;
  /**
   * The plan for a request naming `model`, or undefined when the model is not routed (the request then goes to the
   * connection of its path). `allows` drops targets the caller may not reach (policy on connection + resolved model).
   */
  plan(provider: ProviderKind, model: string | undefined, allows?: (connection: string, model: string) => boolean): RoutePlan | undefined;
  /** The next target, reserved (in flight +1, breaker probe taken); `tried` ones only when nothing else is left. */
  pick(plan: RoutePlan, tried: ReadonlySet<TargetState>, now: number): TargetState | undefined;
  /** Whether a target (not in `tried`, when given) could take an attempt at time `at` (no reservation, no step). */
  canTry(plan: RoutePlan, tried: ReadonlySet<TargetState> | undefined, at: number): boolean;
  /**
   * An attempt on `target` ended: its slot is free; `ok` feeds the breaker (null: no verdict), `latencyMs` the
   * latency average, `coolMs` the provider's retry-after.
   */
  release(target: TargetState, outcome: { ok: boolean | null; latencyMs?: number; coolMs?: number }, now: number): void;
  budget(connection: string): RetryBudget;
  /** Ms until some target of the plan could be tried again (for a Retry-After when none can). */
  nextAvailableMs(plan: RoutePlan, now: number): number;
  /** Every target (metrics). */
  targets(): readonly TargetState[];
  /** For /readyz: targets whose breaker is open or that cool down. Never fails readiness (the fault is upstream). */
  readiness: ReadinessCheck;
}

const LATENCY_ALPHA = 0.3;

export function createModelRouter(cfg: RoutesConfig, upstreams: ReadonlyMap<string, Upstream>, opts: { onOpen?(t: TargetState): void } = {}): ModelRouter {
  const targets = new Map<string, TargetState>();
  const budgets = new Map<string, RetryBudget>();
  const groups = new Map<string, Group>();

  function targetFor(connection: string, model: string, maxInFlight: number | undefined): TargetState {
    const key = `${connection}/${model}`;
    let t = targets.get(key);
    if (!t) {
      const upstream = upstreams.get(connection);
      if (!upstream) throw new Error(`routes: unknown connection "${connection}"`);
      t = { key, connection, model, upstream, maxInFlight: maxInFlight ?? Infinity, inFlight: 0, latencyMs: 0, coolUntil: 0, breaker: new Breaker(cfg.breaker) };
      targets.set(key, t);
    } else if (maxInFlight !== undefined && maxInFlight < t.maxInFlight) {
      (t as { maxInFlight: number }).maxInFlight = maxInFlight;
    }
    if (!budgets.has(connection)) budgets.set(connection, new RetryBudget(cfg.breaker.windowSeconds, cfg.retry.budgetPercent, cfg.retry.budgetMinPerSecond));
    return t;
  }

  for (const [name, list] of Object.entries(cfg.models)) {
    const members = list.map((m) => ({ target: targetFor(m.connection, m.model ?? name, m.maxInFlight), weight: m.weight, current: 0 }));
    groups.set(name, { name, provider: members[0].target.upstream.conn.provider, strategy: cfg.strategies[name] ?? cfg.strategy, members, fallbacks: [], turn: 0 });
  }
  for (const [name, next] of Object.entries(cfg.fallbacks)) groups.get(name)!.fallbacks = next.map((n) => groups.get(n)!);
  const aliases = new Map(Object.entries(cfg.aliases));
  const targetList = [...targets.values()];

  function available(t: TargetState, now: number): boolean {
    const u = t.upstream;
    return t.coolUntil <= now && t.inFlight < t.maxInFlight && u.inFlight < u.conn.connections + u.conn.maxQueue && t.breaker.allows(now);
  }

  function choose(group: Group, members: Member[], tried: ReadonlySet<TargetState>, now: number, retrying: boolean): Member | undefined {
    let best: Member | undefined;
    let bestScore = Infinity;
    let total = 0;
    const n = members.length;
    const start = group.turn++ % n;
    for (let k = 0; k < n; k++) {
      const m = members[(start + k) % n];
      if ((!retrying && tried.has(m.target)) || !available(m.target, now)) continue;
      if (group.strategy === 'weighted') {
        m.current += m.weight;
        total += m.weight;
        if (best === undefined || m.current > best.current) best = m;
        continue;
      }
      const t = m.target;
      const score = group.strategy === 'least-in-flight' ? t.inFlight / m.weight : t.latencyMs * (t.inFlight + 1);
      if (score < bestScore) [best, bestScore] = [m, score];
    }
    if (best && group.strategy === 'weighted') best.current -= total;
    return best;
  }

  return {
    retry: cfg.retry,
    plan(provider, model, allows) {
      if (model === undefined || groups.size === 0) return undefined;
      const group = groups.get(aliases.get(model) ?? model);
      if (!group || group.provider !== provider) return undefined;
      const tiers: Tier[] = [];
      const seen = new Set<Group>();
      const add = (g: Group) => {
        if (seen.has(g)) return;
        seen.add(g);
        tiers.push({ group: g, members: allows ? g.members.filter((m) => allows(m.target.connection, m.target.model)) : g.members });
        for (const f of g.fallbacks) add(f);
      };
      add(group);
      return { logical: group.name, provider, tiers };
    },
    pick(plan, tried, now) {
      // First pass: targets not tried yet, tier by tier; then any target again (a retry after backoff).
      for (const retrying of [false, true]) {
        for (const tier of plan.tiers) {
          if (tier.members.length === 0) continue;
          const m = choose(tier.group, tier.members, tried, now, retrying);
          if (!m) continue;
          m.target.inFlight++;
          m.target.breaker.take(now);
          return m.target;
        }
      }
      return undefined;
    },
    canTry(plan, tried, at) {
      for (const tier of plan.tiers) for (const m of tier.members) if (!tried?.has(m.target) && available(m.target, at)) return true;
      return false;
    },
    release(t, outcome, now) {
      t.inFlight--;
      const wasOpen = t.breaker.state === 'open';
      if (outcome.ok !== null) t.breaker.record(outcome.ok, now);
      else t.breaker.cancel();
      if (!wasOpen && t.breaker.state === 'open') opts.onOpen?.(t);
      if (outcome.latencyMs !== undefined) t.latencyMs = t.latencyMs === 0 ? outcome.latencyMs : t.latencyMs + LATENCY_ALPHA * (outcome.latencyMs - t.latencyMs);
      if (outcome.coolMs !== undefined && outcome.coolMs > 0) t.coolUntil = Math.max(t.coolUntil, now + outcome.coolMs);
    },
    budget(connection) {
      return budgets.get(connection)!;
    },
    nextAvailableMs(plan, now) {
      let soonest = Infinity;
      for (const tier of plan.tiers) {
        for (const { target: t } of tier.members) {
          const at = Math.max(t.coolUntil, t.breaker.state === 'open' ? t.breaker.openUntil : 0);
          soonest = Math.min(soonest, Math.max(0, at - now));
        }
      }
      return Number.isFinite(soonest) ? soonest : 1000;
    },
    targets: () => targetList,
    readiness: {
      name: 'routes',
      check() {
        const now = Date.now();
        const notes: string[] = [];
        for (const t of targetList) {
          if (t.breaker.state !== 'closed') notes.push(`${t.key} circuit ${t.breaker.state}`);
          else if (t.coolUntil > now) notes.push(`${t.key} cooling ${Math.ceil((t.coolUntil - now) / 1000)}s`);
        }
        return { ok: true, detail: notes.length ? notes.join('; ') : `${groups.size} models, ${targetList.length} targets, all circuits closed` };
      },
    },
  };
}
