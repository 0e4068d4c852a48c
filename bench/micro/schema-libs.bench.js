// Why valibot (issue 16): the same slice of sluice.yaml's schema (strict objects, integer ranges, enums, a URL, a
// pattern, defaults) in valibot and in Zod 4, validating a good document and a broken one with every issue
// collected. docs/configuration.md ("Why valibot") has the bundle sizes and this run's numbers.
import { Bench } from 'tinybench';
import * as v from 'valibot';
import { z } from 'zod';

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const valibotSchema = v.strictObject({
  server: v.optional(v.strictObject({ host: v.optional(v.string(), '127.0.0.1'), port: v.optional(port, 8080), engine: v.optional(v.picklist(['auto', 'uws', 'node']), 'auto'), maxBodyBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1048576) }), {}),
  connections: v.pipe(v.array(v.strictObject({ name: v.pipe(v.string(), v.regex(NAME)), provider: v.picklist(['openai', 'anthropic']), baseUrl: v.pipe(v.string(), v.url()), credential: v.optional(v.string()), default: v.optional(v.boolean(), false) })), v.minLength(1)),
  audit: v.optional(v.strictObject({ dir: v.optional(v.string(), '.sluice/audit'), fsync: v.optional(v.picklist(['always', 'group']), 'group') }), {}),
});
const zodSchema = z.strictObject({
  server: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8080), engine: z.enum(['auto', 'uws', 'node']).default('auto'), maxBodyBytes: z.number().int().min(1).default(1048576) }).default({}),
  connections: z.array(z.strictObject({ name: z.string().regex(NAME), provider: z.enum(['openai', 'anthropic']), baseUrl: z.url(), credential: z.string().optional(), default: z.boolean().default(false) })).min(1),
  audit: z.strictObject({ dir: z.string().default('.sluice/audit'), fsync: z.enum(['always', 'group']).default('group') }).default({}),
});

const good = {
  server: { port: 8080, engine: 'uws' },
  connections: [
    { name: 'openai', provider: 'openai', baseUrl: 'https://api.openai.com/v1', credential: 'k', default: true },
    { name: 'anthropic', provider: 'anthropic', baseUrl: 'https://api.anthropic.com/v1' },
  ],
  audit: { fsync: 'always' },
};
const bad = { server: { port: -1, hots: 'x' }, connections: [{ name: 'Open_AI', provider: 'gemini', baseUrl: 'nope' }] };

export async function run({ time }) {
  const issues = [v.safeParse(valibotSchema, bad, { abortEarly: false }).issues?.length, zodSchema.safeParse(bad).error?.issues.length];
  if (!v.safeParse(valibotSchema, good).success || !zodSchema.safeParse(good).success || issues[0] !== 5 || issues[1] !== 5) {
    throw new Error(`the two schemas disagree: ${JSON.stringify(issues)}`);
  }
  const bench = new Bench({ name: 'schema libraries', time });
  bench
    .add('valibot: valid document', () => v.safeParse(valibotSchema, good))
    .add('zod 4: valid document', () => zodSchema.safeParse(good))
    .add('valibot: broken document, all 5 issues', () => v.safeParse(valibotSchema, bad, { abortEarly: false }))
    .add('zod 4: broken document, all 5 issues', () => zodSchema.safeParse(bad));
  await bench.run();
  return bench;
}
