// Load sluice.yaml: parse with positions, substitute ${ENV} (typed by the schema), validate, resolve paths, freeze.
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import * as v from 'valibot';
import { parseYaml, interpolateEnv, dropNulls } from './source.js';
import { ConfigError, problemsFrom } from './problems.js';
import { ConfigSchema, type SluiceConfig } from './schema.js';
import { deepFreeze } from './kit.js';
import { resolveJwksFiles } from '../auth/config.js';

export { ConfigError };

export interface LoadedConfig {
  config: SluiceConfig;
  /** Directory of the config file: relative paths in it resolve against this. */
  baseDir: string;
  file: string;
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, path: [], message: `cannot read config file (${(err as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  return parseConfig(text, abs, env);
}

/** Every problem in the file at once, or the frozen config. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const { source, problems } = parseYaml(text, file, { aliases: true });
  if (!source) throw new ConfigError(problems);
  const { value, fromEnv, missing } = interpolateEnv(dropNulls(source.value ?? {}), env, ConfigSchema);
  for (const m of missing) problems.push({ file, ...source.locate(m.path), path: m.path, message: `environment variable ${m.name} is not set and has no default` });
  const unset = new Set(missing.map((m) => m.path.join('\0')));
  const result = v.safeParse(ConfigSchema, value);
  if (!result.success) {
    const found = problemsFrom(result.issues, { schema: ConfigSchema, file, locate: source.locate, fromEnv });
    // An unset variable is reported once, as unset, not again as the empty value it left behind.
    problems.push(...found.filter((p) => !unset.has(p.path.join('\0'))));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const baseDir = dirname(file);
  return { config: deepFreeze(resolvePaths(result.output, baseDir)), baseDir, file };
}

function resolvePaths(c: SluiceConfig, base: string): SluiceConfig {
  const at = (p: string) => resolve(base, p);
  return {
    ...c,
    demo: { ...c.demo, dir: at(c.demo.dir) },
    identity: resolveJwksFiles(c.identity, base),
    policies: { ...c.policies, dir: at(c.policies.dir) },
    audit: { ...c.audit, dir: at(c.audit.dir), signingKeyFile: c.audit.signingKeyFile && at(c.audit.signingKeyFile) },
    server: c.server.tls ? { ...c.server, tls: { ...c.server.tls, certFile: at(c.server.tls.certFile), keyFile: at(c.server.tls.keyFile) } } : c.server,
  };
}
