// Cost of one exchange from the usage the gateway captured and a price table (USD list prices shipped, per million
// tokens, as published by OpenAI and Anthropic in 2025: check them against your contract and override in `spend.prices`).
import type { TokenUsage } from '../types.js';
import type { Price } from './config.js';

const p = (input: number, cachedInput: number, output: number): Price => Object.freeze({ input, cachedInput, output });

export const DEFAULT_PRICES: Readonly<Record<string, Price>> = Object.freeze({
  'gpt-5': p(1.25, 0.125, 10),
  'gpt-5-mini': p(0.25, 0.025, 2),
  'gpt-5-nano': p(0.05, 0.005, 0.4),
  'gpt-4.1': p(2, 0.5, 8),
  'gpt-4.1-mini': p(0.4, 0.1, 1.6),
  'gpt-4.1-nano': p(0.1, 0.025, 0.4),
  'gpt-4o': p(2.5, 1.25, 10),
  'gpt-4o-mini': p(0.15, 0.075, 0.6),
  o1: p(15, 7.5, 60),
  o3: p(2, 0.5, 8),
  'o3-mini': p(1.1, 0.55, 4.4),
  'o4-mini': p(1.1, 0.275, 4.4),
  'text-embedding-3-small': p(0.02, 0.02, 0),
  'text-embedding-3-large': p(0.13, 0.13, 0),
  'claude-opus-4-5': p(5, 0.5, 25),
  'claude-opus-4-1': p(15, 1.5, 75),
  'claude-opus-4': p(15, 1.5, 75),
  'claude-sonnet-4-5': p(3, 0.3, 15),
  'claude-sonnet-4': p(3, 0.3, 15),
  'claude-haiku-4-5': p(1, 0.1, 5),
  'claude-3-7-sonnet': p(3, 0.3, 15),
  'claude-3-5-sonnet': p(3, 0.3, 15),
  'claude-3-5-haiku': p(0.8, 0.08, 4),
  'claude-3-opus': p(15, 1.5, 75),
  'claude-3-haiku': p(0.25, 0.03, 1.25),
});

export interface PriceTable {
  /** The table key that prices `model` (its longest matching prefix), or undefined. */
  keyFor(model: string): string | undefined;
  /** Cost in currency units, or undefined when the model has no price or there is no usage. */
  cost(model: string | undefined, usage: TokenUsage | undefined): { amount: number; price: string } | undefined;
}

export function createPriceTable(overrides: Readonly<Record<string, Price>> = {}): PriceTable {
  const table = new Map(Object.entries({ ...DEFAULT_PRICES, ...overrides }));
  // Longest first, so `gpt-4o-mini-2024-07-18` finds `gpt-4o-mini` before `gpt-4o`.
  const keys = [...table.keys()].sort((a, b) => b.length - a.length);
  const memo = new Map<string, string | null>();

  function keyFor(model: string): string | undefined {
    let k = memo.get(model);
    if (k === undefined) {
      k = table.has(model) ? model : (keys.find((key) => model.startsWith(key)) ?? null);
      if (memo.size > 10_000) memo.clear();
      memo.set(model, k);
    }
    return k ?? undefined;
  }

  return {
    keyFor,
    cost(model, usage) {
      if (!model || !usage) return undefined;
      const key = keyFor(model);
      if (!key) return undefined;
      const price = table.get(key)!;
      const input = usage.input ?? 0;
      const cached = Math.min(usage.cachedInput ?? 0, input);
      const amount = ((input - cached) * price.input + cached * (price.cachedInput ?? price.input) + (usage.output ?? 0) * price.output) / 1e6;
      return { amount, price: key };
    },
  };
}
