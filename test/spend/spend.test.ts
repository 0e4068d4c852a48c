import { describe, expect, it } from 'vitest';
import { createPriceTable, DEFAULT_PRICES } from '../../src/spend/prices.js';
import { budgetBindings, createBudgets, periodOf } from '../../src/spend/budgets.js';
import { createMemoryQuotaStore } from '../../src/policy/quota.js';
import { SluiceError } from '../../src/errors.js';
import { anthropicUsage, openaiUsage } from '../../src/response/usage.js';
import type { BudgetConfig } from '../../src/spend/config.js';

describe('price table', () => {
  const prices = createPriceTable({ 'gpt-4o-mini-eu': { input: 1, output: 2 } });
  it.each([
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['gpt-4o-mini-eu', 'gpt-4o-mini-eu'],
    ['llama-3-70b', undefined],
  ])('%s is priced as %s', (model, key) => expect(prices.keyFor(model)).toBe(key));

  it('prices input, cached input and output per million tokens', () => {
    const c = createPriceTable().cost('gpt-4o', { input: 1_000_000, cachedInput: 400_000, output: 100_000 })!;
    // 600k × 2.50 + 400k × 1.25 + 100k × 10, per million
    expect(c.amount).toBeCloseTo(1.5 + 0.5 + 1, 9);
    expect(createPriceTable({ m: { input: 2, output: 4 } }).cost('m', { input: 10, cachedInput: 10, output: 0 })!.amount).toBeCloseTo(20e-6, 12);
    expect(prices.cost('llama-3', { input: 5 })).toBeUndefined();
  });

  it('ships prices for the major OpenAI and Anthropic models', () => {
    for (const m of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o3', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1']) expect(DEFAULT_PRICES[m]).toBeDefined();
  });

  it('reads cached input tokens from both providers', () => {
    expect(openaiUsage({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 64 } })).toEqual({ input: 100, cachedInput: 64, output: 5, total: 105 });
    expect(openaiUsage({ input_tokens: 10, output_tokens: 2, input_tokens_details: { cached_tokens: 0 } })).toEqual({ input: 10, output: 2, total: 12 });
    expect(anthropicUsage({ input_tokens: 10, cache_read_input_tokens: 90, cache_creation_input_tokens: 0, output_tokens: 3 })).toEqual({ input: 100, cachedInput: 90, output: 3, total: 103 });
  });
});

describe('budgets', () => {
  const day: BudgetConfig = { id: 'etl-daily', per: 'job', amount: 1, period: 'day', warnPercent: 50 };
  const who = { subject: 'svc', groups: ['streaming-jobs', 'etl'], job: 'spark', session: 's', via: 'jwt' as const };
  const noon = Date.UTC(2026, 11, 2, 12, 0, 0);

  it('counts calendar days and months in UTC', () => {
    expect(periodOf('day', noon)).toEqual({ key: '2026-12-02', end: Date.UTC(2026, 11, 3) });
    expect(periodOf('month', noon)).toEqual({ key: '2026-12', end: Date.UTC(2027, 0, 1) });
  });

  it('binds per subject, job (or subject without one) and each matching group', () => {
    expect(budgetBindings([day], who, noon).map((b) => b.who)).toEqual(['job:spark']);
    expect(budgetBindings([day], { ...who, job: undefined }, noon).map((b) => b.who)).toEqual(['subject:svc']);
    expect(budgetBindings([{ ...day, per: 'group', groups: ['stream*'] }], who, noon).map((b) => b.who)).toEqual(['group:streaming-jobs']);
    expect(budgetBindings([{ ...day, groups: ['analysts'] }], who, noon)).toEqual([]);
  });

  it('warns from warnPercent on, refuses once used up, naming the budget and when it resets', async () => {
    const budgets = createBudgets([day], createMemoryQuotaStore({ now: () => noon }), 'EUR');
    expect(await budgets.check(who, noon)).toEqual([]);
    await budgets.charge(who, 0.6, noon);
    expect(await budgets.check(who, noon)).toEqual([['x-sluice-budget-warning', 'etl-daily: 60% of 1.00 EUR per day for job:spark used']]);
    await budgets.charge(who, 0.4, noon);
    const err = await budgets.check(who, noon).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe('SLUICE_BUDGET_EXCEEDED');
    expect((err as SluiceError).message).toBe('Budget etl-daily is used up: 1.00 EUR per day for job:spark (spent 1.00 EUR); it resets at 2026-12-03T00:00:00.000Z');
    expect((err as SluiceError).headers['retry-after']).toBe(String(12 * 3600));
    // Another job has its own counter.
    expect(await budgets.check({ ...who, job: 'flink' }, noon)).toEqual([]);
  });
});
