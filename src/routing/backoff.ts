// When to try again: the provider's own hint (retry-after, x-ratelimit-reset-*, anthropic-ratelimit-*-reset) and
// exponential backoff with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).

type Headers = Record<string, string | string[] | undefined>;

const one = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

const DURATION_RE = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** OpenAI's `x-ratelimit-reset-*` durations: `20ms`, `1s`, `6m0s`, `1h2m3.5s`. */
export function parseDuration(s: string): number | undefined {
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(DURATION_RE)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    matched += m[0];
  }
  return matched.length > 0 && matched.length === s.trim().length ? total : undefined;
}

/** `retry-after`: seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfter(v: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

const OPENAI_KINDS = ['requests', 'tokens'];
const ANTHROPIC_KINDS = ['requests', 'tokens', 'input-tokens', 'output-tokens'];

/**
 * Milliseconds the provider asks us to wait, or undefined when it says nothing. `retry-after-ms` / `retry-after` win;
 * else the reset of the exhausted rate limits (remaining 0), or of every advertised one when none says remaining.
 */
export function retryHintMs(h: Headers, now = Date.now()): number | undefined {
  const ms = one(h, 'retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = one(h, 'retry-after');
  if (ra !== undefined) {
    const r = retryAfter(ra, now);
    if (r !== undefined) return r;
  }
  let exhausted: number | undefined;
  let any: number | undefined;
  const consider = (reset: number | undefined, remaining: string | undefined) => {
    if (reset === undefined) return;
    any = Math.max(any ?? 0, reset);
    if (remaining === '0') exhausted = Math.max(exhausted ?? 0, reset);
  };
  for (const k of OPENAI_KINDS) {
    const r = one(h, `x-ratelimit-reset-${k}`);
    if (r !== undefined) consider(parseDuration(r), one(h, `x-ratelimit-remaining-${k}`));
  }
  for (const k of ANTHROPIC_KINDS) {
    const r = one(h, `anthropic-ratelimit-${k}-reset`);
    if (r === undefined) continue;
    const t = Date.parse(r);
    if (!Number.isNaN(t)) consider(Math.max(0, t - now), one(h, `anthropic-ratelimit-${k}-remaining`));
  }
  return exhausted ?? any;
}

/** Full jitter: uniform in [0, min(max, base · 2^retry)). */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * cap);
}
