// Turns schema issues into problems that say where (file:line:column, key path), what was expected and what
// was found, and never quote a secret: `sluice.yaml:3:9: server.port: expected an integer from 0 to 65535, found 70000`.
import * as v from 'valibot';
import { metaOf, schemaAt, type Path, type Schema } from './kit.js';

export interface Problem {
  file?: string;
  line?: number;
  column?: number;
  path: Path;
  message: string;
}

export interface Position {
  line: number;
  column: number;
}

export class ConfigError extends Error {
  /** Every problem, formatted, sorted by file and line. */
  readonly problems: string[];
  constructor(readonly list: Problem[]) {
    const sorted = sortProblems(list);
    const lines = sorted.map(formatProblem);
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.list = sorted;
    this.problems = lines;
  }
}

/** `identity.issuers[0].audience` */
export function pathText(path: Path): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? k : `.${k}`;
  return out;
}

export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}: ` : '';
  return `${where}${pathText(p.path) || '(root)'}: ${p.message}`;
}

export function sortProblems(list: Problem[]): Problem[] {
  return list
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.file ?? '').localeCompare(b.p.file ?? '') || (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

export interface IssueContext {
  /** The schema that was checked (to tell which values are secrets). */
  schema: Schema;
  file?: string;
  /** Where the value (or, for an unknown key, the key) at a path was written. */
  locate?: (path: Path, key: boolean) => Position | undefined;
  /** Values that came from the environment, by path text → variable names (their values are never shown). */
  fromEnv?: ReadonlyMap<string, string[]>;
  /** Prefix for paths (a section validated on its own). */
  prefix?: Path;
}

const FOUND_FOR = new Set(['integer', 'min_value', 'max_value', 'min_length', 'max_length', 'regex', 'check']);

/**
 * A union that failed reports each branch's issues inside its own. The branches that failed only because the value
 * has another type say nothing useful; the rest (the branch of the value's type) are the real problems. When none
 * is left the union's own message stands.
 */
function expandUnions(issue: v.BaseIssue<unknown>): v.BaseIssue<unknown>[] {
  if (issue.type !== 'union' || !issue.issues) return [issue];
  const inner = issue.issues
    .flatMap(expandUnions)
    .filter((i) => (i.path?.length ?? 0) > 0 || i.kind !== 'schema')
    .filter((i) => !(i.path?.at(-1)?.type === 'object' && Array.isArray(i.path.at(-1)?.input)));
  if (inner.length === 0) return [issue];
  return inner.map((i) => ({ ...i, path: [...(issue.path ?? []), ...(i.path ?? [])] as typeof issue.path }));
}

export function problemsFrom(issues: readonly v.BaseIssue<unknown>[], ctx: IssueContext): Problem[] {
  const listsAsMappings = new Set<string>();
  return issues.flatMap(expandUnions).flatMap((issue) => {
    let path: Path = [...(ctx.prefix ?? []), ...(issue.path ?? []).map((p) => p.key as string | number)];
    // valibot reads a list where a mapping belongs as a mapping with keys 0, 1…: report it once, as a list.
    const parent = issue.path?.at(-1);
    if (parent?.type === 'object' && Array.isArray(parent.input)) {
      path = path.slice(0, -1);
      if (listsAsMappings.has(pathText(path))) return [];
      listsAsMappings.add(pathText(path));
      return [{ ...(ctx.file ? { file: ctx.file } : {}), ...ctx.locate?.(path, false), path, message: 'expected a mapping, found a list' }];
    }
    const local = path.slice(ctx.prefix?.length ?? 0);
    const unknownKey = issue.type === 'strict_object' && issue.expected === 'never';
    const missing = issue.kind === 'schema' && issue.received === 'undefined' && issue.input === undefined;
    let message = missing ? 'is required' : issue.message;
    const scalar = issue.input === null || typeof issue.input !== 'object';
    if (!unknownKey && !missing && (issue.kind === 'schema' || (FOUND_FOR.has(issue.type) && scalar))) message += `, ${found(issue.input, local, ctx)}`;
    const pos = ctx.locate?.(path, unknownKey || issue.path?.at(-1)?.origin === 'key');
    return [{ ...(ctx.file ? { file: ctx.file } : {}), ...(pos ? { line: pos.line, column: pos.column } : {}), path, message }];
  });
}

function found(input: unknown, path: Path, ctx: IssueContext): string {
  const vars = ctx.fromEnv?.get(pathText(path));
  if (vars) return `found the value of environment variable ${vars.join(', ')}`;
  // A secret's parts are secret too (a list of URLs with a password in the first).
  if (path.some((_, i) => metaOf(schemaAt(ctx.schema, path.slice(0, i + 1)))['x-secret'] === true)) return 'found a value that is not shown (secret)';
  return `found ${describe(input)}`;
}

export function describe(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
  return String(input);
}

/** Validates a part of the config given in code (tests, the demo issuer): the output, or a ConfigError naming keys under `at`. */
export function parseSection<S extends Schema>(schema: S, raw: unknown, at: Path): v.InferOutput<S> {
  const result = v.safeParse(schema, raw);
  if (!result.success) throw new ConfigError(problemsFrom(result.issues, { schema, prefix: at }));
  return result.output;
}
