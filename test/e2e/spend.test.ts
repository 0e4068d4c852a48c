// Spend end to end (issue 19): cost per exchange in the audit record and metrics, budgets refusing at the limit across
// two instances that share Redis, the warning header, and `sluice usage` over the audit trail.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { summarizeUsage, usageCommand } from '../../src/spend/usage-cli.js';

let redis: RedisServer;
let a: Stack;
let b: Stack;

beforeAll(async () => {
  redis = await startRedis();
  const config = {
    stores: { redis: { url: redis.url, keyPrefix: `spend-${process.pid}:` } },
    // One US dollar per token makes every exchange cost a few dollars.
    spend: {
      prices: { 'gpt-4o-mini': { input: 1_000_000, output: 1_000_000 } },
      budgets: [
        { id: 'tight', per: 'subject', amount: 1, period: 'day', groups: ['tight'] },
        { id: 'watch', per: 'group', amount: 100, period: 'month', groups: ['analysts'], warnPercent: 1 },
      ],
    },
  };
  a = await startStack({ config });
  b = await startStack({ config });
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

const client = async (s: Stack, sub: string, groups: string[]) => new OpenAI({ baseURL: `${s.url}/v1`, apiKey: await s.token(groups, sub), maxRetries: 0 });
const ask = async (c: OpenAI) => c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'how much is this' }] }).withResponse();

interface Rec { kind: string; requestId: string; cost?: { amount: number; currency: string; price: string }; usage: { input: number; output: number } | null }
const recordOf = (s: Stack, id: string): Rec | undefined =>
  readdirSync(s.auditDir).filter((f) => f.endsWith('.jsonl')).flatMap((f) => readFileSync(join(s.auditDir, f), 'utf8').split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Rec).find((r) => r.requestId === id);

async function eventually<T>(f: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('spend', () => {
  it('puts the cost of each exchange in its audit record and in metrics by group, job and model', async () => {
    const res = await ask(await client(a, 'alice', ['analysts']));
    const id = res.response.headers.get('x-request-id')!;
    const rec = await eventually(async () => recordOf(a, id), 'the audit record');
    expect(rec.usage!.input).toBeGreaterThan(0);
    expect(rec.cost).toEqual({ amount: rec.usage!.input + rec.usage!.output, currency: 'USD', price: 'gpt-4o-mini' });
    const metrics = await (await request(`${a.url}/metrics`)).body.text();
    const line = (name: string) => metrics.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('model="gpt-4o-mini"') && l.includes('group="analysts"') && !l.includes('direction="input"'));
    expect(Number(line('sluice_spend_total')?.split(' ').at(-1))).toBeGreaterThanOrEqual(rec.cost!.amount);
    expect(line('sluice_tokens_total')).toContain('direction="output"');
  });

  it('warns from warnPercent on, on the other instance too', async () => {
    const other = await client(b, 'alice', ['analysts']);
    const warning = await eventually(async () => (await ask(other)).response.headers.get('x-sluice-budget-warning') ?? undefined, 'the warning header');
    expect(warning).toMatch(/^watch: \d+% of 100\.00 USD per month for group:analysts used$/);
  });

  it('refuses at the limit across two instances sharing Redis, with a provider-shaped 429 naming the budget', async () => {
    await ask(await client(a, 'bob', ['analysts', 'tight']));
    const onB = await client(b, 'bob', ['analysts', 'tight']);
    const err = await eventually(async () => {
      try {
        await ask(onB);
        return undefined;
      } catch (e) {
        return e;
      }
    }, 'the refusal');
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.message).toContain('Budget tight is used up: 1.00 USD per day for subject:bob');
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThan(0);
    // Someone else in the same groups has a budget of their own.
    await ask(await client(b, 'carol', ['analysts', 'tight']));
    const metrics = await (await request(`${b.url}/metrics`)).body.text();
    expect(metrics).toContain('sluice_budget_refusals_total{budget="tight"}');
  });

  it('`sluice usage` sums tokens and spend by group, job and model from the audit trail', async () => {
    const rows = await summarizeUsage({ dir: a.auditDir, by: ['group', 'model'] });
    const analysts = rows.find((r) => r.key.group === 'analysts' && r.key.model === 'gpt-4o-mini')!;
    expect(analysts.requests).toBeGreaterThanOrEqual(2);
    expect(analysts.cost).toBe(analysts.input + analysts.output);
    let out = '';
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } };
    expect(await usageCommand(['--since', '1h', '--by', 'group,model', '--json'], io, { dir: a.auditDir })).toBe(0);
    expect(out.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ group: 'analysts', model: 'gpt-4o-mini', currency: 'USD', cost: analysts.cost }));
    out = '';
    await usageCommand(['--by', 'job'], io, { dir: a.auditDir });
    expect(out).toMatch(/^JOB\s+REQUESTS\s+INPUT\s+CACHED\s+OUTPUT\s+COST USD/);
    await expect(usageCommand(['--by', 'colour'], io, { dir: a.auditDir })).rejects.toThrow('--by takes a comma-separated list of group, job, model, subject, not "colour"');
  });
});
