// Argument rules every `sluice` command shares: -h/--help answers and starts nothing, unknown flags are errors
// (exit 2), and the configuration file is resolved the same way everywhere and named when it is not explicit.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../paths.js';

export const EXIT_USAGE = 2;

export class UsageError extends Error {}

/** True when -h or --help appears before a `--` terminator. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '-h' || a === '--help') return true;
  }
  return false;
}

/** Splits `--config FILE` / `--config=FILE` out of argv (the commands that read a config file accept it). */
export function takeConfig(argv: readonly string[]): { config?: string; rest: string[] } {
  const rest: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--config' || a.startsWith('--config=')) {
      const v = a === '--config' ? argv[++i] : a.slice('--config='.length);
      if (v === undefined || v === '' || (a === '--config' && v.startsWith('-'))) throw new UsageError('--config needs a file');
      if (config !== undefined) throw new UsageError('--config given twice');
      config = v;
    } else rest.push(a);
  }
  return config === undefined ? { rest } : { config, rest };
}

export type ConfigSource = 'flag' | 'env' | 'cwd' | 'bundled';

export interface ConfigChoice {
  file: string;
  source: ConfigSource;
}

/** --config, then $SLUICE_CONFIG, then ./sluice.yaml, then the bundled demo file. */
export function resolveConfig(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ConfigChoice {
  if (flag) return { file: resolve(cwd, flag), source: 'flag' };
  if (env.SLUICE_CONFIG) return { file: resolve(cwd, env.SLUICE_CONFIG), source: 'env' };
  if (existsSync(join(cwd, 'sluice.yaml'))) return { file: resolve(cwd, 'sluice.yaml'), source: 'cwd' };
  return { file: join(packageRoot(), 'sluice.yaml'), source: 'bundled' };
}

/** One line saying which file was loaded and why that one. */
export function describeConfig(choice: ConfigChoice, cwd = process.cwd()): string {
  switch (choice.source) {
    case 'flag':
      return `config ${choice.file} (--config)`;
    case 'env':
      return `config ${choice.file} ($SLUICE_CONFIG)`;
    case 'cwd':
      return `config ${choice.file} (./sluice.yaml in the current folder)`;
    case 'bundled':
      return `config ${choice.file}: the BUNDLED DEMO configuration (no --config, no $SLUICE_CONFIG, no sluice.yaml in ${cwd})`;
  }
}
