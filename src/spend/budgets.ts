// Budgets: spend per subject, job or group per calendar day or month (UTC), checked before a request is forwarded
// and charged with its cost after. Counters live in the quota store (memory, or Redis shared by every instance),
// in micro-units so Redis can add them exactly (INCRBY).
import type { Identity } from '../types.js';
import type { QuotaStore } from '../policy/quota.js';
import { anyGlob } from '../policy/glob.js';
import { SluiceError } from '../errors.js';
import type { BudgetConfig } from './config.js';

export interface BudgetBinding {
  budget: BudgetConfig;
  /** Who is counted, e.g. `job:spark-enrichment`. */
  who: string;
  key: string;
  /** Epoch ms when the period ends (the counter starts again). */
  resetAt: number;
}

const MICROS = 1e6;
const DAY_MS = 86_400_000;

/** The calendar period `now` falls in: its key and end. */
export function periodOf(period: BudgetConfig['period'], now: number): { key: string; end: number } {
  const d = new Date(now);
  if (period === 'day') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { key: new Date(start).toISOString().slice(0, 10), end: start + DAY_MS };
  }
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return { key: new Date(start).toISOString().slice(0, 7), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

export function budgetBindings(budgets: readonly BudgetConfig[], who: Identity, now: number): BudgetBinding[] {
  const out: BudgetBinding[] = [];
  for (const budget of budgets) {
    if (budget.groups && !who.groups.some((g) => anyGlob(budget.groups!, g))) continue;
    const { key, end } = periodOf(budget.period, now);
    const counted =
      budget.per === 'subject' ? [`subject:${who.subject}`]
      : budget.per === 'job' ? [who.job === undefined ? `subject:${who.subject}` : `job:${who.job}`]
      : who.groups.filter((g) => !budget.groups || anyGlob(budget.groups, g)).map((g) => `group:${g}`);
    for (const c of counted) out.push({ budget, who: c, key: `budget|${budget.id}|${c}|${key}`, resetAt: end });
  }
  return out;
}

export interface Budgets {
  /** Throws SLUICE_BUDGET_EXCEEDED when a budget of the caller is used up; otherwise warning headers (maybe none). */
  check(who: Identity, now?: number): Promise<Array<[string, string]>>;
  /** Adds an exchange's cost to every budget of the caller. */
  charge(who: Identity, amount: number, now?: number): Promise<void>;
}

const money = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

export function createBudgets(budgets: readonly BudgetConfig[], store: QuotaStore, currency: string): Budgets {
  return {
    async check(who, now = Date.now()) {
      if (budgets.length === 0) return [];
      const bindings = budgetBindings(budgets, who, now);
      if (bindings.length === 0) return [];
      const spent = await store.spent(bindings.map((b) => b.key));
      const warnings: string[] = [];
      for (let i = 0; i < bindings.length; i++) {
        const { budget, who: counted, resetAt } = bindings[i];
        const used = spent[i] / MICROS;
        if (used >= budget.amount) {
          const retry = Math.max(1, Math.ceil((resetAt - now) / 1000));
          throw new SluiceError(
            'SLUICE_BUDGET_EXCEEDED',
            `Budget ${budget.id} is used up: ${money(budget.amount)} ${currency} per ${budget.period} for ${counted} (spent ${money(used)} ${currency}); it resets at ${new Date(resetAt).toISOString()}`,
            { headers: { 'retry-after': String(retry), 'x-sluice-budget-reset': new Date(resetAt).toISOString() } },
          );
        }
        if (used * 100 >= budget.amount * budget.warnPercent) warnings.push(`${budget.id}: ${Math.floor((used / budget.amount) * 100)}% of ${money(budget.amount)} ${currency} per ${budget.period} for ${counted} used`);
      }
      return warnings.length ? [['x-sluice-budget-warning', warnings.join(', ')]] : [];
    },
    async charge(who, amount, now = Date.now()) {
      if (budgets.length === 0 || !(amount > 0)) return;
      const bindings = budgetBindings(budgets, who, now);
      if (bindings.length === 0) return;
      // A counter lives a day past its period, so a late charge still lands in it.
      await Promise.all(bindings.map((b) => store.addSpend(b.key, Math.round(amount * MICROS), b.resetAt - now + DAY_MS)));
    },
  };
}
