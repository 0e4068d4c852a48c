// Parse YAML keeping positions, so validation errors can name `file:line: key`.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';

export interface YamlSource {
  file: string;
  value: unknown;
  /** Line (1-based) of the node at a key path, or undefined. */
  lineOf(path: Array<string | number>): number | undefined;
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new Error(`${file}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  return {
    file,
    value: doc.toJS({ maxAliasCount: 100 }),
    lineOf(rawPath) {
      // Some sections name list items `issuers[0]`: walk those as two steps.
      const path = rawPath.flatMap((k) => {
        const m = /^(.+)\[(\d+)\]$/.exec(String(k));
        return m ? [m[1], m[2]] : [k];
      });
      let node: unknown = doc.contents;
      let line: number | undefined;
      for (const key of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
          if (!pair) break;
          const kn = pair.key as Node;
          if (kn.range) line = lineCounter.linePos(kn.range[0]).line;
          node = pair.value;
        } else if (isSeq(node) && /^\d+$/.test(String(key))) {
          node = node.items[Number(key)];
          const n = node as Node | undefined;
          if (n?.range) line = lineCounter.linePos(n.range[0]).line;
        } else break;
      }
      return line;
    },
  };
}

/** `${NAME}` and `${NAME:-default}` interpolation; a missing variable without default is an error. */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[] = [], missing: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (def !== undefined) return def;
      missing.push(`${path.join('.')}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, [...path, String(i)], missing));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, [...path, k], missing);
    return out;
  }
  return value;
}
