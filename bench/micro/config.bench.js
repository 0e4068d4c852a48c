// Loading the shipped documents through the schemas: sluice.yaml (YAML, ${VAR}, validation, freeze) and
// policies/default.yaml (YAML, validation, source locations), and the schema validation alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import * as v from 'valibot';
import { parse } from 'yaml';
import { REPO } from '../lib/sluice-config.js';

export async function run({ time }) {
  const { parseConfig } = await import('../../dist/config/load.js');
  const { ConfigSchema } = await import('../../dist/config/schema.js');
  const { readPolicyFile } = await import('../../dist/policy/read.js');
  const { policySchema } = await import('../../dist/policy/schema.js');
  const { validatePattern } = await import('../../dist/policy/pattern.js');
  const config = readFileSync(join(REPO, 'sluice.yaml'), 'utf8');
  const policy = readFileSync(join(REPO, 'policies/default.yaml'), 'utf8');
  const configObject = parse(config.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'));
  const policyObject = parse(policy);
  const schema = policySchema(validatePattern);
  const bench = new Bench({ name: 'config', time });
  bench
    .add('sluice.yaml: text → frozen config', () => parseConfig(config, join(REPO, 'sluice.yaml'), {}))
    .add('sluice.yaml: schema validation only', () => v.safeParse(ConfigSchema, configObject))
    .add('policies/default.yaml: text → spec', () => readPolicyFile('default.yaml', policy, validatePattern))
    .add('policies/default.yaml: schema validation only', () => v.safeParse(schema, policyObject));
  await bench.run();
  if (!v.safeParse(ConfigSchema, configObject).success || !v.safeParse(schema, policyObject).success) throw new Error('a shipped document does not validate');
  return bench;
}
