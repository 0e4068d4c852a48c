// What comes from the schemas stays in step with them: the JSON Schema files editors use, the reference tables in
// the docs, and the shipped YAML that points editors at the schema files.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generated, configJsonSchema, policyJsonSchema, ROOT } from '../../scripts/schema.mjs';

const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const shippedPolicies = ['policies/default.yaml', ...readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`)];

describe('generated files', () => {
  it.each(Object.entries(generated()))('%s is up to date (npm run schema)', (file, content) => {
    expect(read(file) === content, `${file} drifted from the schema: run npm run schema`).toBe(true);
  });
});

describe('JSON Schema files', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const config = ajv.compile(configJsonSchema());
  const policy = ajv.compile(policyJsonSchema());

  it.each(['sluice.yaml', 'deploy/sluice.yaml'])('accept the shipped %s, ${VAR} placeholders included', (file) => {
    expect(config(parse(read(file))), JSON.stringify(config.errors)).toBe(true);
  });

  it.each(shippedPolicies)('accept %s', (file) => {
    expect(policy(parse(read(file))), JSON.stringify(policy.errors)).toBe(true);
  });

  it.each([
    ['a misspelt key', { connections: [], server: { prot: 1 } }, '/server', 'additionalProperties'],
    ['a wrong type', { connections: [], server: { port: 'eighty' } }, '/server/port', 'type'],
    ['a missing required key', { connections: [{ name: 'a', provider: 'openai' }] }, '/connections/0', 'required'],
  ])('refuse %s in sluice.yaml', (_n, doc, at, keyword) => {
    expect(config(doc)).toBe(false);
    expect(config.errors!.some((e) => e.instancePath === at && e.keyword === keyword), JSON.stringify(config.errors)).toBe(true);
  });

  it('refuses a policy rule with an unknown key', () => {
    expect(policy({ version: 1, rules: [{ id: 'r', match: { groups: ['g'] }, conections: ['x'] }] })).toBe(false);
  });
});

describe('shipped YAML', () => {
  it.each([['sluice.yaml', 'schema/sluice.schema.json'], ['deploy/sluice.yaml', 'schema/sluice.schema.json'], ...shippedPolicies.map((f) => [f, 'schema/policy.schema.json'])])('%s points editors at %s', (file, schema) => {
    const first = read(file).split('\n')[0];
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, first).not.toBeNull();
    expect(resolve(dirname(join(ROOT, file)), m![1])).toBe(join(ROOT, schema));
  });
});
