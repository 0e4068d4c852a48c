// Spend per exchange (price table × usage) into the audit record and metrics, and budgets checked before a request
// is forwarded (docs/spend.md). The counters sit in the quota store: in memory, or in Redis shared by every instance.
import type { RequestContext } from '../context.js';
import type { Identity } from '../types.js';
import type { Metrics } from '../observe/metrics.js';
import type { QuotaStore } from '../policy/quota.js';
import { SluiceError } from '../errors.js';
import type { SpendConfig } from './config.js';
import { createPriceTable, type PriceTable } from './prices.js';
import { createBudgets } from './budgets.js';

export interface SpendStep {
  readonly prices: PriceTable;
  /** Before forwarding: throws SLUICE_BUDGET_EXCEEDED, or returns warning headers for budgets near their limit. */
  check(who: Identity): Promise<Array<[string, string]>>;
  /** After the exchange: its cost on the context (for the audit record and metrics), charged to the budgets. */
  record(ctx: RequestContext): void;
}

export function createSpend(cfg: SpendConfig, store: QuotaStore, metrics: Metrics): SpendStep {
  const prices = createPriceTable(cfg.prices);
  const budgets = createBudgets(cfg.budgets, store, cfg.currency);
  return {
    prices,
    check: async function checkBudgets(who) {
      try {
        return await budgets.check(who);
      } catch (err) {
        if (err instanceof SluiceError && err.code === 'SLUICE_BUDGET_EXCEEDED') metrics.budgetRefusals.inc({ budget: err.message.split(' ')[1] });
        throw err;
      }
    },
    record: function recordSpend(ctx) {
      const usage = ctx.usage;
      const who = ctx.identity;
      if (!usage || !who) return;
      const cost = prices.cost(ctx.routing?.model ?? ctx.model, usage);
      if (!cost) return;
      // The gateway counts it in sluice_spend_total with the labels of sluice_tokens_total.
      ctx.cost = { amount: cost.amount, currency: cfg.currency, price: cost.price };
      void budgets.charge(who, cost.amount).catch(() => undefined);
    },
  };
}
