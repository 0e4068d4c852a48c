// `sluice usage`: tokens and spend by group, job and model over a time range, read from the audit trail.
import { parseArgs } from 'node:util';
import { readRecords } from '../audit/read.js';
import { parseTime } from '../audit/search.js';
import { emit, type CliIo } from '../audit/io.js';
import type { AuditRecord } from '../audit/record.js';
import { UsageError } from '../cli/args.js';
import type { Price } from './config.js';
import { createPriceTable } from './prices.js';

export const USAGE = `usage: sluice usage [--dir D] [--since T] [--until T] [--by group,job,model] [--json]

Tokens and spend of the exchanges in the audit trail, summed by the chosen dimensions (default: group,job,model).
T is ISO-8601 or a duration back from now (30m, 2h, 7d). Spend is the cost each record carries; a record made
before spend tracking is priced now with spend.prices and the shipped table. A caller in several groups is counted
in each of them: totals by group overlap. The model is the resolved one (the target's) for routed requests.
`;

const DIMENSIONS = ['group', 'job', 'model', 'subject'] as const;
type Dimension = (typeof DIMENSIONS)[number];

export interface UsageRow {
  key: Record<Dimension, string | undefined>;
  requests: number;
  input: number;
  cachedInput: number;
  output: number;
  cost: number;
  /** Records with usage but no price for their model. */
  unpriced: number;
}

export interface UsageOptions {
  dir: string;
  since?: number;
  until?: number;
  by: Dimension[];
  prices?: Readonly<Record<string, Price>>;
}

export async function summarizeUsage(o: UsageOptions): Promise<UsageRow[]> {
  const prices = createPriceTable(o.prices);
  const rows = new Map<string, UsageRow>();
  for await (const r of readRecords(o.dir, (t) => t.includes('"kind":"exchange"'))) {
    if (r.kind !== 'exchange') continue;
    const t = Date.parse(r.time);
    if ((o.since !== undefined && t < o.since) || (o.until !== undefined && t >= o.until)) continue;
    const model = r.routing?.model ?? r.model ?? 'unknown';
    const cost = r.cost?.amount ?? prices.cost(model, r.usage ?? undefined)?.amount;
    const groups = o.by.includes('group') ? (r.identity?.groups.length ? r.identity.groups : ['-']) : [undefined];
    for (const group of groups) {
      const key = { group, job: pick(o.by, 'job', r.identity?.job ?? '-'), model: pick(o.by, 'model', model), subject: pick(o.by, 'subject', r.identity?.subject ?? '-') };
      const id = JSON.stringify(key);
      let row = rows.get(id);
      if (!row) rows.set(id, (row = { key, requests: 0, input: 0, cachedInput: 0, output: 0, cost: 0, unpriced: 0 }));
      add(row, r, cost);
    }
  }
  return [...rows.values()].sort((a, b) => b.cost - a.cost || b.requests - a.requests);
}

const pick = (by: Dimension[], d: Dimension, v: string): string | undefined => (by.includes(d) ? v : undefined);

function add(row: UsageRow, r: AuditRecord, cost: number | undefined): void {
  row.requests++;
  row.input += r.usage?.input ?? 0;
  row.cachedInput += r.usage?.cachedInput ?? 0;
  row.output += r.usage?.output ?? 0;
  if (cost !== undefined) row.cost += cost;
  else if (r.usage) row.unpriced++;
}

export async function usageCommand(argv: string[], io: CliIo, defaults: { dir: string; prices?: Readonly<Record<string, Price>>; currency?: string }): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { dir: { type: 'string', default: defaults.dir }, since: { type: 'string' }, until: { type: 'string' }, by: { type: 'string', default: 'group,job,model' }, json: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const by = values.by.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = by.find((d) => !(DIMENSIONS as readonly string[]).includes(d));
  if (bad || by.length === 0) throw new UsageError(`--by takes a comma-separated list of ${DIMENSIONS.join(', ')}${bad ? `, not "${bad}"` : ''}`);
  const now = Date.now();
  let since: number | undefined;
  let until: number | undefined;
  try {
    since = values.since === undefined ? undefined : parseTime(values.since, now);
    until = values.until === undefined ? undefined : parseTime(values.until, now);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const rows = await summarizeUsage({ dir: values.dir, since, until, by: by as Dimension[], prices: defaults.prices });
  const currency = defaults.currency ?? 'USD';
  if (values.json) {
    for (const r of rows) await emit(io.stdout, JSON.stringify({ ...Object.fromEntries(Object.entries(r.key).filter(([, v]) => v !== undefined)), requests: r.requests, input: r.input, cachedInput: r.cachedInput, output: r.output, cost: round(r.cost), currency, unpriced: r.unpriced }) + '\n');
    return 0;
  }
  const dims = by as Dimension[];
  const head = [...dims.map((d) => d.toUpperCase()), 'REQUESTS', 'INPUT', 'CACHED', 'OUTPUT', `COST ${currency}`];
  const body = rows.map((r) => [...dims.map((d) => r.key[d] ?? '-'), String(r.requests), String(r.input), String(r.cachedInput), String(r.output), round(r.cost).toFixed(6) + (r.unpriced ? ` (+${r.unpriced} unpriced)` : '')]);
  const total = rows.reduce((s, r) => s + r.cost, 0);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const line of [head, ...body]) await emit(io.stdout, line.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
  await emit(io.stdout, `${rows.reduce((s, r) => s + r.requests, 0)} exchange(s)${dims.includes('group') ? ' counted per group' : ''}, ${round(total).toFixed(6)} ${currency}\n`);
  return 0;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
