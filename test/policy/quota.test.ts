// Quota windows with an injectable clock: requests and tokens, headers, 429 error.
import { describe, expect, it } from 'vitest';
import { createMemoryQuotaStore, formatReset, quotaExceededError, type QuotaBinding } from '../../src/policy/quota.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { policyFrom, req, who } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const binding = (over: Partial<QuotaBinding> = {}): QuotaBinding => ({
  rule: 'r', per: 'subject', subject: 'subject:a', key: 'r|subject:a|1m', window: '1m', windowSeconds: 60, requests: 3, ...over,
});

function clockedStore(maxKeys?: number) {
  let now = T0;
  const store = createMemoryQuotaStore({ now: () => now, ...(maxKeys ? { maxKeys } : {}) });
  return { store, advance: (ms: number) => (now += ms) };
}

describe('in-memory quota store', () => {
  it('counts requests per fixed window and resets at the boundary', async () => {
    const { store, advance } = clockedStore();
    const b = [binding()];
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await store.check(b);
      expect(r.allowed).toBe(true);
      remaining.push(r.headers['x-ratelimit-remaining-requests']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    advance(20_000);
    const refused = await store.check(b);
    expect(refused).toMatchObject({ allowed: false, kind: 'requests', rule: 'r', limit: 3, remaining: 0, retryAfterSeconds: 40, reset: T0 / 1000 + 60 });
    expect(refused.headers).toEqual({
      'x-ratelimit-limit-requests': '3', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '40s', 'retry-after': '40',
    });
    advance(40_000);
    expect((await store.check(b)).allowed).toBe(true);
  });

  it('counts tokens reported after the response', async () => {
    const { store, advance } = clockedStore();
    const b = [binding({ requests: undefined, tokens: 500, key: 'r|subject:a|1h', window: '1h', windowSeconds: 3600 })];
    expect(await store.check(b)).toMatchObject({ allowed: true, headers: { 'x-ratelimit-remaining-tokens': '500', 'x-ratelimit-reset-tokens': '1h0m0s' } });
    await store.record({ bindings: b, tokens: 499 });
    expect(await store.check(b)).toMatchObject({ allowed: true, headers: { 'x-ratelimit-remaining-tokens': '1' } });
    await store.record({ bindings: b, tokens: 10 });
    advance(61_000);
    expect(await store.check(b)).toMatchObject({ allowed: false, kind: 'tokens', limit: 500, retryAfterSeconds: 3539 });
  });

  it('refuses when any binding is exhausted, without counting the others', async () => {
    const { store } = clockedStore();
    const tight = binding({ key: 'tight', requests: 1 });
    const loose = binding({ key: 'loose', requests: 10 });
    await store.check([tight, loose]);
    expect((await store.check([tight, loose])).allowed).toBe(false);
    const r = await store.check([loose]);
    expect(r.headers['x-ratelimit-remaining-requests']).toBe('8');
  });

  it('keeps subjects apart', async () => {
    const { store } = clockedStore();
    const a = binding({ requests: 1 });
    const b = binding({ requests: 1, key: 'r|subject:b|1m', subject: 'subject:b' });
    expect((await store.check([a])).allowed).toBe(true);
    expect((await store.check([b])).allowed).toBe(true);
    expect((await store.check([a])).allowed).toBe(false);
  });

  it('advertises the tightest binding and retries after the latest blocking window', async () => {
    const { store } = clockedStore();
    const minute = binding({ key: 'm', requests: 1 });
    const day = binding({ key: 'd', requests: 1, window: '1d', windowSeconds: 86_400 });
    await store.check([minute, day]);
    const r = await store.check([minute, day]);
    expect(r).toMatchObject({ allowed: false, retryAfterSeconds: 43_200 });
  });

  it('allows with no headers when nothing is bound', async () => {
    const { store } = clockedStore();
    expect(await store.check([])).toEqual({ allowed: true, headers: {} });
  });

  it('stays bounded: finished windows are dropped first, then the oldest counters', async () => {
    const { store, advance } = clockedStore(2);
    await store.check([binding({ key: 'k1', requests: 1 })]);
    await store.check([binding({ key: 'k2', requests: 1, window: '1h', windowSeconds: 3600 })]);
    advance(60_000);
    await store.check([binding({ key: 'k3', requests: 1 })]);
    expect(store.size()).toBe(2);
    // Full again with live windows: the oldest (k2) goes, k3 keeps counting.
    await store.check([binding({ key: 'k4', requests: 1 })]);
    expect(store.size()).toBe(2);
    expect((await store.check([binding({ key: 'k3', requests: 1 })])).allowed).toBe(false);
    expect((await store.check([binding({ key: 'k2', requests: 1, window: '1h', windowSeconds: 3600 })])).allowed).toBe(true);
  });
});

describe('quota helpers', () => {
  it.each([
    [0, '0s'], [0.2, '1s'], [59, '59s'], [60, '1m0s'], [61, '1m1s'], [3600, '1h0m0s'], [3725, '1h2m5s'],
  ])('formatReset(%s) = %s', (s, text) => expect(formatReset(s)).toBe(text));

  it('quotaExceededError is a 429 SluiceError carrying the headers', async () => {
    const { store } = clockedStore();
    const b = [binding({ requests: 1 })];
    await store.check(b);
    const r = await store.check(b);
    if (r.allowed) throw new Error('expected refusal');
    const err = quotaExceededError(r);
    expect(err).toMatchObject({ code: 'SLUICE_QUOTA_EXCEEDED', status: 429, headers: { 'retry-after': '60' } });
    expect(err.message).toBe('Rate limit reached: 1 requests per window (rule r); retry after 60s');
  });

  it('decisions carry bindings the store can enforce', async () => {
    const p = policyFrom(`
version: 1
rules:
  - { id: g, match: { groups: [g] }, connections: [openai], quotas: [{ per: group, requests: 2, window: 1m }] }
`);
    const { store } = clockedStore();
    const results = [];
    for (const subject of ['a', 'b', 'c']) {
      const d = evaluate(p, who(subject, ['g']), req(), []);
      results.push((await store.check(d.quotas)).allowed);
    }
    expect(results).toEqual([true, true, false]);
  });
});
