// Load every policy file in a directory, validate, merge; keep it current with a debounced fs.watch.
// A bad file never replaces a good policy: the previous one stays in force and onError says why.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../errors.js';
import { compilePolicy } from './compile.js';
import { validatePattern as defaultValidator, type PatternValidator } from './pattern.js';
import { readPolicyFile } from './read.js';
import type { Policy, PolicyFileSpec, PolicyIssue } from './types.js';

/** One policy file as read: what HTTP threads compile their own copy of the policy from. */
export interface PolicySource {
  file: string;
  text: string;
}

export type LoadResult = { ok: true; policy: Policy; sources: PolicySource[] } | { ok: false; issues: PolicyIssue[] };
export interface LoadOptions {
  /** Swappable RE2 validation (the inspection engine's `validateCustomPattern` when available). */
  validatePattern?: PatternValidator;
}

export const formatIssue = (i: PolicyIssue): string => `${i.file}:${i.line}${i.column ? `:${i.column}` : ''}: ${i.key}: ${i.message}`;

const isPolicyFile = (name: string): boolean => /\.ya?ml$/.test(name) && !name.startsWith('.');

/** Validate and merge in-memory sources (files are applied in the order given). */
export function loadPolicySources(sources: PolicySource[], opts: LoadOptions = {}): LoadResult {
  const validate = opts.validatePattern ?? defaultValidator;
  if (sources.length === 0) return { ok: false, issues: [{ file: '(policies)', line: 0, key: '(files)', message: 'no policy files found (*.yaml); refusing to run without policy' }] };
  const issues: PolicyIssue[] = [];
  const specs: PolicyFileSpec[] = [];
  const hash = createHash('sha256');
  for (const { file, text } of sources) {
    hash.update(file).update('\0').update(text).update('\0');
    const { spec, issues: found } = readPolicyFile(file, text, validate);
    issues.push(...found);
    if (spec) specs.push(spec);
  }
  if (issues.length > 0) return { ok: false, issues };
  const { policy, issues: merged } = compilePolicy(specs, hash.digest('hex'));
  return policy ? { ok: true, policy, sources } : { ok: false, issues: merged };
}

/** Read `*.yaml`/`*.yml` in `dir` (sorted by name, so merge order and rule order are stable). */
export async function loadPolicyDir(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isPolicyFile).sort();
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, issues: [{ file: dir, line: 0, key: '(directory)', message: `cannot read policy directory (${reason})` }] };
  }
  const sources = await Promise.all(names.map(async (name) => ({ file: join(dir, name), text: await readFile(join(dir, name), 'utf8') })));
  return loadPolicySources(sources, opts);
}

export interface PolicyStore {
  current(): Policy;
  /** The files the current policy was compiled from. */
  sources(): PolicySource[];
  /** Reload now (also what the watcher calls). Resolves with what happened; the store keeps the old policy on failure. */
  reload(): Promise<LoadResult>;
  close(): void;
}

export interface PolicyStoreOptions extends LoadOptions {
  onReload?: (policy: Policy) => void;
  onError?: (issues: PolicyIssue[]) => void;
  /** Quiet time after the last file event before reloading (editors write in bursts). */
  debounceMs?: number;
  watch?: boolean;
}

/** Load `dir` (throws when the first load fails: no policy, no gateway) and hot-reload it. */
export async function createPolicyStore(dir: string, opts: PolicyStoreOptions = {}): Promise<PolicyStore> {
  const first = await loadPolicyDir(dir, opts);
  if (!first.ok) {
    throw new SluiceError('SLUICE_INTERNAL', `invalid policy in ${dir}:\n${first.issues.map(formatIssue).join('\n')}`, {
      details: { issues: first.issues.map(formatIssue) },
    });
  }
  let policy = first.policy;
  let sources = first.sources;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  function reload(): Promise<LoadResult> {
    const next = chain.then(async function reloadPolicies() {
      const result = await loadPolicyDir(dir, opts);
      if (result.ok) {
        policy = result.policy;
        sources = result.sources;
        opts.onReload?.(policy);
      } else {
        opts.onError?.(result.issues);
      }
      return result;
    });
    chain = next.catch(() => undefined);
    return next;
  }

  function schedule(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), opts.debounceMs ?? 200);
  }

  let watcher: FSWatcher | undefined;
  if (opts.watch !== false) {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      // `..data`: a Kubernetes ConfigMap volume updates by swapping this symlink; the files keep their names.
      if (name === null || isPolicyFile(String(name)) || String(name) === '..data') schedule();
    });
    watcher.on('error', (err) => {
      const reason = (err as NodeJS.ErrnoException).code ?? 'watch failed';
      opts.onError?.([{ file: dir, line: 0, key: '(directory)', message: `stopped watching policy directory (${reason})` }]);
    });
  }

  return {
    current: function current() {
      return policy;
    },
    sources: () => sources,
    reload,
    close: function close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
