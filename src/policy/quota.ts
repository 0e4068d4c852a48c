// Quotas: requests and tokens per sliding window (src/policy/window.ts), per subject, job or group.
// The store is async so a shared (Redis) store can replace the in-memory one without changing callers.
import type { Identity } from '../types.js';
import { SluiceError } from '../errors.js';
import { anyGlob } from './glob.js';
import type { CompiledRule } from './types.js';
import { countWindow, slotOf, ttlMs, SLOTS, type WindowCounts } from './window.js';

export interface QuotaBinding {
  rule: string;
  per: 'subject' | 'job' | 'group';
  /** Who is counted, e.g. `group:analysts` (shown in explanations). */
  subject: string;
  /** Counter key: rule, who and window, so two rules never share a counter. */
  key: string;
  requests?: number;
  tokens?: number;
  window: string;
  windowSeconds: number;
}

/** Counters for a caller under the rules that apply (group quotas count once per matching group). */
export function quotaBindings(rules: readonly CompiledRule[], who: Identity): QuotaBinding[] {
  const out: QuotaBinding[] = [];
  for (const rule of rules) {
    for (const q of rule.quotas) {
      for (const subject of countedAs(rule, q.per, who)) {
        out.push({
          rule: rule.id, per: q.per, subject, key: `${rule.id}|${subject}|${q.window}`,
          window: q.window, windowSeconds: q.windowSeconds,
          ...(q.requests ? { requests: q.requests } : {}),
          ...(q.tokens ? { tokens: q.tokens } : {}),
        });
      }
    }
  }
  return out;
}

function countedAs(rule: CompiledRule, per: QuotaBinding['per'], who: Identity): string[] {
  if (per === 'subject') return [`subject:${who.subject}`];
  // A caller without a job is counted alone rather than escaping the quota.
  if (per === 'job') return [who.job === undefined ? `subject:${who.subject}` : `job:${who.job}`];
  const groups = rule.match.groups;
  return who.groups.filter((g) => groups === undefined || anyGlob(groups, g)).map((g) => `group:${g}`);
}

export type QuotaCheck =
  | { allowed: true; headers: Record<string, string> }
  | {
      allowed: false;
      kind: 'requests' | 'tokens';
      rule: string;
      retryAfterSeconds: number;
      limit: number;
      remaining: number;
      /** Unix time (seconds) when a request would fit again. */
      reset: number;
      headers: Record<string, string>;
    };

export interface QuotaStore {
  /** Check every binding and, when all allow, count the request (check-and-take, so concurrent calls cannot overrun). */
  check(bindings: readonly QuotaBinding[]): Promise<QuotaCheck>;
  /** Add the tokens the provider reported for a completed exchange. */
  record(usage: { bindings: readonly QuotaBinding[]; tokens: number }): Promise<void>;
  /** Spend counters of budgets (src/spend/budgets.ts) in micro-units, in the order of `keys`; 0 for one never charged. */
  spent(keys: readonly string[]): Promise<number[]>;
  /** Adds to a spend counter, forgotten `ttlMs` after its last charge. */
  addSpend(key: string, micros: number, ttlMs: number): Promise<void>;
}

/** One counter: its slots (`r<slot>` / `t<slot>` → count) and when it may be forgotten. */
interface Counter {
  fields: Map<string, number>;
  expires: number;
}

/** `1h2m3s` like OpenAI's `x-ratelimit-reset-*` values. */
export function formatReset(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${rest}s`;
}

export interface MemoryQuotaStore extends QuotaStore {
  /** Live counters (for metrics; bounded by `maxKeys`). */
  size(): number;
}

export function createMemoryQuotaStore(opts: { now?: () => number; maxKeys?: number } = {}): MemoryQuotaStore {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const counters = new Map<string, Counter>();
  const spend = new Map<string, { micros: number; expires: number }>();

  function counterFor(b: QuotaBinding, t: number): Counter {
    let c = counters.get(b.key);
    if (!c) {
      if (counters.size >= maxKeys) sweep(t);
      c = { fields: new Map(), expires: t + ttlMs(b) };
      counters.set(b.key, c);
    }
    // Drop slots that left the window, so a counter holds at most SLOTS + 1 of each kind.
    const oldest = slotOf(t, b) - SLOTS;
    for (const f of c.fields.keys()) if (Number(f.slice(1)) < oldest) c.fields.delete(f);
    return c;
  }

  function add(c: Counter, b: QuotaBinding, t: number, kind: 'r' | 't', by: number): void {
    const f = `${kind}${slotOf(t, b)}`;
    c.fields.set(f, (c.fields.get(f) ?? 0) + by);
    c.expires = t + ttlMs(b);
    // Re-insert so Map order stays "least recently written first" for eviction.
    counters.delete(b.key);
    counters.set(b.key, c);
  }

  /** Bound memory: drop expired counters, then the least recently written if still full. */
  function sweep(t: number): void {
    for (const [key, c] of counters) if (c.expires <= t) counters.delete(key);
    for (const key of counters.keys()) {
      if (counters.size < maxKeys) break;
      counters.delete(key);
    }
  }

  async function check(bindings: readonly QuotaBinding[]): Promise<QuotaCheck> {
    const t = now();
    const state = bindings.map((b) => {
      const c = counterFor(b, t);
      return { b, c, w: countWindow(c.fields, t, b) };
    });
    const verdict = judge(state.map(({ b, w }) => ({ b, w, now: t })));
    if (!verdict.allowed) return verdict;
    for (const st of state) {
      add(st.c, st.b, t, 'r', 1);
      st.w = countWindow(st.c.fields, t, st.b);
    }
    return { allowed: true, headers: rateLimitHeaders(state.map(({ b, w }) => ({ b, w, now: t }))) };
  }

  async function record(usage: { bindings: readonly QuotaBinding[]; tokens: number }): Promise<void> {
    if (!(usage.tokens > 0)) return;
    const t = now();
    for (const b of usage.bindings) if (b.tokens !== undefined) add(counterFor(b, t), b, t, 't', usage.tokens);
  }

  function size(): number {
    return counters.size;
  }

  async function spent(keys: readonly string[]): Promise<number[]> {
    const t = now();
    return keys.map((k) => {
      const c = spend.get(k);
      return c && c.expires > t ? c.micros : 0;
    });
  }

  async function addSpend(key: string, micros: number, ttlMs: number): Promise<void> {
    const t = now();
    const c = spend.get(key);
    if (!c || c.expires <= t) {
      // Counters per (budget, who, period): bounded like the quota counters.
      if (spend.size >= maxKeys) for (const [k, x] of spend) if (x.expires <= t || spend.size >= maxKeys) spend.delete(k);
      spend.set(key, { micros, expires: t + ttlMs });
    } else {
      c.micros += micros;
      c.expires = t + ttlMs;
    }
  }

  return { check, record, size, spent, addSpend };
}

export interface CounterState {
  b: QuotaBinding;
  /** The binding's window as counted before this request (see countWindow). */
  w: WindowCounts;
  /** Epoch ms the counts were taken at. */
  now: number;
}

const RETRY = { requests: 'retryRequestsMs', tokens: 'retryTokensMs' } as const;

/**
 * Whether one more request fits every binding (counts as they are before taking it). Shared by every store so
 * the 429, Retry-After and rate-limit headers are the same whichever store counts.
 */
export function judge(state: readonly CounterState[]): QuotaCheck {
  let worst: Extract<QuotaCheck, { allowed: false }> | undefined;
  for (const { b, w, now } of state) {
    for (const kind of ['requests', 'tokens'] as const) {
      const limit = b[kind];
      if (limit === undefined || w[kind] < limit) continue;
      const retryMs = w[RETRY[kind]];
      const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000));
      if (worst && worst.retryAfterSeconds >= retryAfterSeconds) continue;
      worst = { allowed: false, kind, rule: b.rule, retryAfterSeconds, limit, remaining: 0, reset: Math.ceil((now + retryMs) / 1000), headers: {} };
    }
  }
  if (!worst) return { allowed: true, headers: {} };
  return { ...worst, headers: { ...rateLimitHeaders(state), 'retry-after': String(worst.retryAfterSeconds) } };
}

/** The tightest binding per kind decides the advertised limit/remaining/reset (reset: until the window is empty). */
export function rateLimitHeaders(state: readonly CounterState[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ['requests', 'tokens'] as const) {
    let best: { limit: number; remaining: number; resetIn: number } | undefined;
    for (const { b, w } of state) {
      const limit = b[kind];
      if (limit === undefined) continue;
      const remaining = Math.max(0, limit - w[kind]);
      if (!best || remaining < best.remaining) best = { limit, remaining, resetIn: w.resetMs / 1000 };
    }
    if (!best) continue;
    headers[`x-sluice-ratelimit-limit-${kind}`] = String(best.limit);
    headers[`x-sluice-ratelimit-remaining-${kind}`] = String(best.remaining);
    headers[`x-sluice-ratelimit-reset-${kind}`] = formatReset(best.resetIn);
  }
  return headers;
}

/** The 429 for a refused check, in the provider's shape via errorBody(). */
export function quotaExceededError(result: Extract<QuotaCheck, { allowed: false }>): SluiceError {
  return new SluiceError(
    'SLUICE_QUOTA_EXCEEDED',
    `Rate limit reached: ${result.limit} ${result.kind} per window (rule ${result.rule}); retry after ${result.retryAfterSeconds}s`,
    { headers: result.headers },
  );
}
