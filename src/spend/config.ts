// The `spend` section: prices per model (over the shipped defaults) and budgets in currency per subject, job or group.
import * as v from 'valibot';
import { at, def, dict, int, list, obj, oneOf, opt, pattern, req, section, text } from '../config/kit.js';

const perMillion = (what: string) => v.pipe(v.number(`expected a price (${what} per million tokens)`), v.minValue(0, 'expected a price >= 0'));

const price = obj({
  input: req(perMillion('input'), { description: 'Per million input tokens.', examples: [0.15] }),
  cachedInput: opt(perMillion('cached input'), { description: 'Per million input tokens read from the provider\'s prompt cache (default: `input`).', examples: [0.075] }),
  output: req(perMillion('output'), { description: 'Per million output tokens.', examples: [0.6] }),
});

const budget = obj({
  id: req(pattern(/^[A-Za-z0-9._-]{1,64}$/, '1-64 characters of A-Z a-z 0-9 . _ -'), { description: 'Named in the refusal and the warning header.', examples: ['etl-daily'] }),
  per: req(oneOf(['subject', 'job', 'group']), { description: 'Who is counted: each subject, each job (a caller without one counts as its subject), or each of the caller\'s groups.', examples: ['job'] }),
  amount: req(v.pipe(v.number('expected an amount'), v.minValue(0, 'expected an amount >= 0')), { description: 'Spend allowed per period, in `currency`.', examples: [50] }),
  period: req(oneOf(['day', 'month']), { description: 'Calendar day or month, in UTC.', examples: ['day'] }),
  groups: opt(list(text()), { description: 'Only callers in one of these groups (globs); with `per: group`, only these groups are counted. Default: every caller.', examples: [['streaming-jobs']] }),
  warnPercent: def(int(1, 100), 80, 'From this share of the amount on, responses carry `x-sluice-budget-warning`.'),
});

export const SpendSchema = v.pipe(
  section({
    currency: def(pattern(/^[A-Z]{3}$/, 'a three-letter currency code'), 'USD', 'The currency of prices and budgets (the shipped prices are USD list prices).'),
    prices: def(dict(price), {}, { description: 'Model → price per million tokens; overrides or adds to the shipped table (docs/spend.md). A model is priced by its longest matching prefix (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`).', examples: [{ 'gpt-4o-mini-eu': { input: 0.165, cachedInput: 0.083, output: 0.66 } }] }),
    budgets: def(list(budget), [], 'Spend limits; a request is refused (429 `SLUICE_BUDGET_EXCEEDED`) once a budget that applies to its caller is used up. Shared through `stores.redis` when configured.'),
  }, 'Cost per exchange and budgets (docs/spend.md).'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const seen = new Set<string>();
    dataset.value.budgets.forEach((b, i) => {
      if (seen.has(b.id)) addIssue({ message: `duplicate budget id "${b.id}"`, path: at('budgets', i, 'id') });
      seen.add(b.id);
    });
  }),
);

export type SpendConfig = v.InferOutput<typeof SpendSchema>;
export type BudgetConfig = SpendConfig['budgets'][number];
export type Price = SpendConfig['prices'][string];
