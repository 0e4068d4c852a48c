// What every quota store must do, with an injectable clock: sliding windows (no 2× burst around a window edge),
// token accounting, all-or-nothing over several bindings, identical headers. Run against the in-memory store and
// against Redis (single server and Cluster) so the stores cannot drift apart.
import { expect, it } from 'vitest';
import type { QuotaBinding, QuotaStore } from '../../src/policy/quota.js';

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

let unique = 0;
export const binding = (over: Partial<QuotaBinding> = {}): QuotaBinding => ({
  rule: 'r', per: 'subject', subject: 'subject:a', key: `r|subject:a|1m|${process.pid}-${++unique}`, window: '1m', windowSeconds: 60, requests: 3, ...over,
});

/** A store factory: every call is one more instance sharing the same counters, reading the given clock. */
export type StoreFactory = (now: () => number) => Promise<QuotaStore>;

export function quotaContract(make: StoreFactory): void {
  const clocked = async () => {
    const clock = { now: T0 };
    const now = () => clock.now;
    return { store: await make(now), more: () => make(now), at: (ms: number) => (clock.now = T0 + ms) };
  };

  it('admits no more than the limit in any window: no double burst around a window edge', async () => {
    const { store, at } = await clocked();
    const b = [binding({ requests: 10 })];
    at(59_900);
    for (let i = 0; i < 10; i++) expect((await store.check(b)).allowed).toBe(true);
    // A fixed window would start afresh at 60 s and let 10 more through within 200 ms.
    at(60_100);
    const refused = await store.check(b);
    expect(refused).toMatchObject({ allowed: false, kind: 'requests', limit: 10, remaining: 0, retryAfterSeconds: 60, reset: T0 / 1000 + 120 });
    expect(refused.headers).toMatchObject({ 'x-sluice-ratelimit-remaining-requests': '0', 'retry-after': '60' });
    at(119_900);
    expect((await store.check(b)).allowed).toBe(false);
    at(120_000);
    expect((await store.check(b)).allowed).toBe(true);
  });

  it('slides: a request frees its place one window (plus at most one slot) after it was taken', async () => {
    const { store, at } = await clocked();
    const b = [binding({ requests: 3 })];
    const admitted: boolean[] = [];
    for (const t of [0, 30_000, 50_000, 61_000, 66_000, 80_000, 96_000]) {
      at(t);
      admitted.push((await store.check(b)).allowed);
    }
    // 61 s: the 0 s request still counts (its slot ends at 6 s + 60 s); 66 s: it has left; 80 s: full again
    // (30 s, 50 s, 66 s); 96 s: the 30 s request has left.
    expect(admitted).toEqual([true, true, true, false, true, false, true]);
  });

  it('advertises remaining and reset, and retries after the oldest request leaves', async () => {
    const { store, at } = await clocked();
    const b = [binding({ requests: 2 })];
    expect((await store.check(b)).headers).toEqual({ 'x-sluice-ratelimit-limit-requests': '2', 'x-sluice-ratelimit-remaining-requests': '1', 'x-sluice-ratelimit-reset-requests': '1m6s' });
    at(20_000);
    expect((await store.check(b)).headers['x-sluice-ratelimit-remaining-requests']).toBe('0');
    at(30_000);
    expect(await store.check(b)).toMatchObject({ allowed: false, retryAfterSeconds: 36, headers: { 'retry-after': '36', 'x-sluice-ratelimit-reset-requests': '54s' } });
  });

  it('counts tokens reported after the exchange, over a sliding window', async () => {
    const { store, at } = await clocked();
    const b = [binding({ requests: undefined, tokens: 500, window: '1h', windowSeconds: 3600 })];
    expect(await store.check(b)).toMatchObject({ allowed: true, headers: { 'x-sluice-ratelimit-limit-tokens': '500', 'x-sluice-ratelimit-remaining-tokens': '500' } });
    await store.record({ bindings: b, tokens: 499 });
    expect(await store.check(b)).toMatchObject({ allowed: true, headers: { 'x-sluice-ratelimit-remaining-tokens': '1' } });
    await store.record({ bindings: b, tokens: 10 });
    at(61_000);
    expect(await store.check(b)).toMatchObject({ allowed: false, kind: 'tokens', limit: 500, retryAfterSeconds: 3899 });
    at(3_960_000);
    expect((await store.check(b)).allowed).toBe(true);
  });

  it('refuses when any binding is exhausted, without counting the others', async () => {
    const { store } = await clocked();
    const tight = binding({ requests: 1 });
    const loose = binding({ requests: 10 });
    await store.check([tight, loose]);
    expect((await store.check([tight, loose])).allowed).toBe(false);
    expect((await store.check([loose])).headers['x-sluice-ratelimit-remaining-requests']).toBe('8');
  });

  it('retries after the latest blocking binding', async () => {
    const { store } = await clocked();
    const minute = binding({ requests: 1 });
    const day = binding({ requests: 1, window: '1d', windowSeconds: 86_400 });
    await store.check([minute, day]);
    expect(await store.check([minute, day])).toMatchObject({ allowed: false, retryAfterSeconds: 95_040 });
  });

  it('shares one limit between instances and takes atomically under concurrency', async () => {
    const { store, more } = await clocked();
    const other = await more();
    const q = [binding({ requests: 25 })];
    const all = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? store : other).check(q)));
    expect(all.filter((r) => r.allowed).length).toBe(25);
  });

  it('adds budget spend exactly (micro-units), shares it between instances, reads 0 for a key never charged', async () => {
    const { store, more } = await clocked();
    const other = await more();
    const key = `budget|b|job:x|2025-01-01|${process.pid}-${++unique}`;
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? store : other).addSpend(key, 1234, 86_400_000)));
    expect(await other.spent([key, `${key}-never`])).toEqual([61_700, 0]);
  });
}
