// Quota windows with an injectable clock: the store contract (quota-contract.ts), bounds, helpers, 429 error.
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryQuotaStore, formatReset, quotaExceededError, type QuotaBinding } from '../../src/policy/quota.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { policyFrom, req, who } from './helpers.js';
import { quotaContract, T0 } from './quota-contract.js';

const binding = (over: Partial<QuotaBinding> = {}): QuotaBinding => ({
  rule: 'r', per: 'subject', subject: 'subject:a', key: 'r|subject:a|1m', window: '1m', windowSeconds: 60, requests: 3, ...over,
});

function clockedStore(maxKeys?: number) {
  let now = T0;
  const store = createMemoryQuotaStore({ now: () => now, ...(maxKeys ? { maxKeys } : {}) });
  return { store, advance: (ms: number) => (now += ms) };
}

describe('in-memory quota store', () => {
  quotaContract(async (now) => shared ?? (shared = createMemoryQuotaStore({ now })));
  // One process-wide store per test: "more instances" of an in-memory store are the same store.
  let shared: ReturnType<typeof createMemoryQuotaStore> | undefined;
  beforeEach(() => {
    shared = undefined;
  });

  it('keeps subjects apart', async () => {
    const { store } = clockedStore();
    const a = binding({ requests: 1 });
    const b = binding({ requests: 1, key: 'r|subject:b|1m', subject: 'subject:b' });
    expect((await store.check([a])).allowed).toBe(true);
    expect((await store.check([b])).allowed).toBe(true);
    expect((await store.check([a])).allowed).toBe(false);
  });

  it('allows with no headers when nothing is bound', async () => {
    const { store } = clockedStore();
    expect(await store.check([])).toEqual({ allowed: true, headers: {} });
  });

  it('stays bounded: expired counters are dropped first, then the least recently written', async () => {
    const { store, advance } = clockedStore(2);
    await store.check([binding({ key: 'k1', requests: 1 })]);
    await store.check([binding({ key: 'k2', requests: 1, window: '1h', windowSeconds: 3600 })]);
    advance(66_000);
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
    expect(err).toMatchObject({ code: 'SLUICE_QUOTA_EXCEEDED', status: 429, headers: { 'retry-after': '66' } });
    expect(err.message).toBe('Rate limit reached: 1 requests per window (rule r); retry after 66s');
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
