// Load sluice.yaml: parse with positions, interpolate ${ENV}, validate, freeze.
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { parseYamlSource, interpolateEnv } from './yaml-source.js';
import { Reader, ConfigError } from './check.js';
import { readConfig, type SluiceConfig } from './schema.js';

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
    throw new ConfigError([`${file}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseConfig(text, abs, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let src;
  try {
    src = parseYamlSource(text, file);
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
  const missing: string[] = [];
  const raw = interpolateEnv(src.value ?? {}, env, [], missing);
  const reader = new Reader((path) => src.lineOf(path), file);
  for (const m of missing) {
    const [path, msg] = m.split(': ');
    reader.fail(path.split('.'), msg);
  }
  const config = readConfig(raw, reader);
  reader.done();
  const baseDir = dirname(file);
  return { config: deepFreeze(resolvePaths(config, baseDir)), baseDir, file };
}

function resolvePaths(c: SluiceConfig, base: string): SluiceConfig {
  const at = (p: string) => resolve(base, p);
  return {
    ...c,
    demo: { ...c.demo, dir: at(c.demo.dir) },
    policies: { ...c.policies, dir: at(c.policies.dir) },
    audit: { ...c.audit, dir: at(c.audit.dir), signingKeyFile: c.audit.signingKeyFile && at(c.audit.signingKeyFile) },
    server: c.server.tls ? { ...c.server, tls: { ...c.server.tls, certFile: at(c.server.tls.certFile), keyFile: at(c.server.tls.keyFile) } } : c.server,
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
