// Building blocks for the config and policy schemas (valibot). Every message is worded here, once; the
// problem formatter (problems.ts) adds where it is (file:line:column, key path) and what was found.
import * as v from 'valibot';

export type Schema = v.GenericSchema;
export type Path = Array<string | number>;

const MAX = Number.MAX_SAFE_INTEGER;

/** Documentation that ends up in the JSON Schema and the generated reference tables. */
export interface Doc {
  description?: string;
  examples?: unknown[];
  /** Never quoted in a message (credentials, keys, URLs that may carry a password). */
  secret?: boolean;
  /** A default the code applies (documented only: the schema leaves the key absent). */
  default?: unknown;
}

function annotate<S extends Schema>(schema: S, doc: Doc | string | undefined): S {
  if (doc === undefined) return schema;
  const d = typeof doc === 'string' ? { description: doc } : doc;
  const meta: Record<string, unknown> = {};
  if (d.description) meta.description = d.description;
  if (d.examples) meta.examples = d.examples;
  if (d.secret) meta['x-secret'] = true;
  if (d.default !== undefined) meta.default = d.default;
  // Metadata goes first in an existing pipe: JSON Schema output (of the input) stops at the first transform.
  const pipe = (schema as { pipe?: unknown[] }).pipe;
  if (pipe) return { ...schema, pipe: [pipe[0], v.metadata(meta), ...pipe.slice(1)] };
  return v.pipe(schema, v.metadata(meta)) as unknown as S;
}

/** A required key. */
export const req = <S extends Schema>(schema: S, doc?: Doc | string): S => annotate(schema, doc);

/** An optional key without a default: absent stays absent. */
export const opt = <S extends Schema>(schema: S, doc?: Doc | string) => v.optional(annotate(schema, doc));

/** An optional key with the default it takes when absent. */
export const def = <S extends Schema, const D extends v.Default<S, undefined>>(schema: S, value: D, doc?: Doc | string) => v.optional(annotate(schema, doc), value);

export const str = () => v.string('expected a string');
export const text = () => v.pipe(v.string('expected a non-empty string'), v.minLength(1, 'expected a non-empty string'));
export const bool = () => v.boolean('expected true or false');

export function int(min = 0, max = MAX) {
  const m = max === MAX ? `expected an integer >= ${min}` : `expected an integer from ${min} to ${max}`;
  const base = v.pipe(v.number(m), v.integer(m), v.minValue(min, m));
  return max === MAX ? base : v.pipe(base, v.maxValue(max, m));
}

export const oneOf = <const T extends readonly string[]>(values: T) => v.picklist(values, `expected one of: ${values.join(', ')}`);

export const list = <S extends Schema>(item: S) => v.array(item, 'expected a list');
export const nonEmptyList = <S extends Schema>(item: S) => v.pipe(v.array(item, 'expected a list'), v.minLength(1, 'must not be empty'));

/** A mapping with free keys (headers, rule → action maps). */
export const dict = <V extends Schema>(value: V) => v.record(v.string(), value, 'expected a mapping');

const isHttpUrl = (s: string): boolean => URL.canParse(s) && ['http:', 'https:'].includes(new URL(s).protocol);
export const httpUrl = () => v.pipe(text(), v.check(isHttpUrl, 'expected an http(s) URL'));

export const pattern = (re: RegExp, hint: string) => v.pipe(v.string(`expected ${hint}`), v.regex(re, `expected ${hint}`));

/** A mapping with exactly these keys: an unknown key is an error with a "did you mean". */
export function obj<E extends v.ObjectEntries>(entries: E) {
  const known = Object.keys(entries);
  return v.strictObject(entries, (issue) => {
    if (issue.expected === 'Object') return 'expected a mapping';
    if (issue.expected === 'never') {
      const key = String(issue.input);
      const near = closest(key, known);
      return `unknown key${near ? `, did you mean "${near}"?` : ''} (expected one of: ${known.join(', ')})`;
    }
    return 'is required';
  });
}

/** A whole section of keys that all have defaults: absent → every default. */
export const section = <E extends v.ObjectEntries>(entries: E, doc?: string) => v.optional(annotate(obj(entries), doc), {} as never);

/** A problem at a path below the value being checked (for checks across keys). */
export function at(...keys: Path): [v.IssuePathItem, ...v.IssuePathItem[]] {
  return keys.map((key) => ({ type: 'unknown', origin: 'value', input: undefined, key, value: undefined })) as never;
}

/** The known key most like `key` (a typo, a wrong case), if any is close enough. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Edit distance counting a swap of two neighbours as one edit (`prot` → `port`). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The schema that describes the value at `path` (optional/pipe wrappers unwrapped), or undefined. */
export function schemaAt(root: Schema, path: Path): Schema | undefined {
  let s: Schema | undefined = unwrap(root);
  for (const key of path) {
    if (!s) return undefined;
    s = unwrap(childOf(s, key));
  }
  return s;
}

type AnySchema = Schema & { wrapped?: Schema; entries?: Record<string, Schema>; item?: Schema; value?: Schema; options?: Schema[]; pipe?: unknown[] };

export function unwrap(s: Schema | undefined): Schema | undefined {
  let x = s as AnySchema | undefined;
  while (x && x.wrapped && (x.type === 'optional' || x.type === 'nullable' || x.type === 'nullish')) x = x.wrapped as AnySchema;
  return x;
}

function childOf(s: Schema, key: string | number): Schema | undefined {
  const x = s as AnySchema;
  if (x.entries) return x.entries[String(key)];
  if (x.type === 'array' && typeof key === 'number') return x.item;
  if (x.type === 'record') return x.value;
  if (x.type === 'union' && x.options) {
    for (const o of x.options) {
      const c = childOf(unwrap(o)!, key);
      if (c) return c;
    }
  }
  return undefined;
}

/** Metadata attached with `req`/`opt` docs. */
export function metaOf(s: Schema | undefined): Record<string, unknown> {
  const pipe = (s as AnySchema | undefined)?.pipe ?? [];
  const out: Record<string, unknown> = {};
  for (const item of pipe as Array<{ type?: string; metadata?: Record<string, unknown> }>) if (item.type === 'metadata') Object.assign(out, item.metadata);
  return out;
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const x of Object.values(o)) deepFreeze(x);
  }
  return o;
}
