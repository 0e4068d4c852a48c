// YAML with positions (so every problem names file:line:column) and `${VAR}` substitution typed by the schema.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, visit, type Document, type Node } from 'yaml';
import { pathText, type Position, type Problem } from './problems.js';
import { schemaAt, unwrap, type Path, type Schema } from './kit.js';

export interface YamlSource {
  file: string;
  value: unknown;
  /** Where the value at `path` was written (its key's position when `key`); the nearest parent when absent. */
  locate(path: Path, key?: boolean): Position | undefined;
}

export function parseYaml(text: string, file: string, opts: { aliases: boolean }): { source?: YamlSource; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = doc.errors.map((e) => {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    return { file, line, column: col, path: [], message: `invalid YAML: ${e.message.split('\n')[0]}` };
  });
  if (!opts.aliases) {
    visit(doc, {
      Alias(_, node) {
        const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
        problems.push({ file, line, column: col, path: [], message: 'invalid YAML: aliases are not supported here; repeat the value' });
      },
    });
  }
  if (problems.length > 0) return { problems };
  const pos = (n: Node | null | undefined): Position | undefined => {
    const offset = n?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return {
    problems,
    source: {
      file,
      value: doc.toJS({ maxAliasCount: 100 }),
      locate: (path, key = false) => locateIn(doc, path, key, pos),
    },
  };
}

function locateIn(doc: Document, path: Path, key: boolean, pos: (n: Node | null | undefined) => Position | undefined): Position | undefined {
  let node: unknown = doc.contents;
  let here = pos(node as Node);
  for (let i = 0; i < path.length; i++) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[i]));
      if (!pair) break;
      node = pair.value;
      here = (last && key) || !node ? pos(pair.key as Node) : (pos(node as Node) ?? pos(pair.key as Node));
    } else if (isSeq(node) && typeof path[i] === 'number') {
      node = node.items[path[i] as number];
      if (!node) break;
      here = pos(node as Node) ?? here;
    } else break;
  }
  return here;
}

export interface Interpolated {
  value: unknown;
  /** Path text → the variables its value came from. */
  fromEnv: Map<string, string[]>;
  /** Variables that are unset and have no default, where they were used. */
  missing: Array<{ path: Path; name: string }>;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * `${NAME}` and `${NAME:-default}` in strings; an empty variable counts as unset. A substituted value takes the
 * type the schema expects where it stands: `port: ${PORT}` is an integer, `${FLAG:-true}` a boolean,
 * `${HOSTS}` = "a, b" a list of two.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, schema: Schema): Interpolated {
  const out: Interpolated = { value: undefined, fromEnv: new Map(), missing: [] };
  const walk = (x: unknown, path: Path): unknown => {
    if (typeof x === 'string') {
      if (!x.includes('${')) return x;
      const names: string[] = [];
      const s = x.replace(VAR, (_m, name: string, fallback?: string) => {
        names.push(name);
        const v = env[name];
        if (v !== undefined && v !== '') return v;
        if (fallback !== undefined) return fallback;
        out.missing.push({ path, name });
        return '';
      });
      if (names.length === 0) return x;
      out.fromEnv.set(pathText(path), names);
      return coerce(s, schemaAt(schema, path));
    }
    if (Array.isArray(x)) return x.map((item, i) => walk(item, [...path, i]));
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, item]) => [k, walk(item, [...path, k])]));
    return x;
  };
  out.value = walk(value, []);
  return out;
}

type Typed = Schema & { options?: Schema[]; item?: Schema };

/** The string as the type the schema wants, when it reads as one; otherwise left for validation to report. */
function coerce(s: string, schema: Schema | undefined): unknown {
  const t = schema as Typed | undefined;
  switch (t?.type) {
    case 'number':
      return /^\s*-?\d+(\.\d+)?\s*$/.test(s) ? Number(s) : s;
    case 'boolean':
      return /^\s*true\s*$/i.test(s) ? true : /^\s*false\s*$/i.test(s) ? false : s;
    case 'array':
      return s.trim() === '' ? [] : s.split(',').map((part) => coerce(part.trim(), unwrap(t.item)));
    case 'union': {
      const types = (t.options ?? []).map((o) => unwrap(o)?.type);
      if (types.some((x) => x === 'string' || x === 'picklist' || x === 'literal')) return s;
      for (const o of t.options ?? []) {
        const c = coerce(s, unwrap(o));
        if (c !== s) return c;
      }
      return s;
    }
    default:
      return s;
  }
}

/** Mapping keys with no value (`server:` alone) read as absent, so their defaults apply. */
export function dropNulls(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(dropNulls);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).filter(([, v]) => v !== null).map(([k, v]) => [k, dropNulls(v)]));
  return x;
}
