// Typed reads over a yaml CST-backed document that report problems with file, line and key path.
// The schema (schema.ts) is written in terms of these helpers so every message has one wording.
import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { PolicyIssue } from './types.js';

export interface Reader {
  file: string;
  lineCounter: LineCounter;
  issues: PolicyIssue[];
}

export type Fields = Map<string, { key: Node; value: Node | null }>;

export function lineOf(r: Reader, node: Node | null | undefined): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : r.lineCounter.linePos(offset).line;
}

export function report(r: Reader, node: Node | null | undefined, key: string, message: string): void {
  r.issues.push({ file: r.file, line: lineOf(r, node), key, message });
}

export const child = (key: string, name: string | number): string =>
  typeof name === 'number' ? `${key}[${name}]` : key === '' ? name : `${key}.${name}`;

/** A map whose keys must all be in `allowed`; unknown keys are reported at their own line. */
export function readMap(r: Reader, node: Node | null, key: string, allowed: readonly string[]): Fields | undefined {
  if (!isMap(node)) {
    report(r, node, key || '(root)', 'must be a map');
    return undefined;
  }
  const fields: Fields = new Map();
  for (const pair of (node as YAMLMap).items as Pair<Node, Node | null>[]) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!allowed.includes(name)) {
      report(r, pair.key, child(key, name), `unknown key (expected one of: ${allowed.join(', ')})`);
      continue;
    }
    fields.set(name, { key: pair.key, value: pair.value });
  }
  return fields;
}

export function requireField(r: Reader, fields: Fields, parent: Node | null, key: string, name: string): boolean {
  if (fields.has(name)) return true;
  report(r, parent, child(key, name), 'is required');
  return false;
}

/** The node to point at for a field: its value, or its key when the value is empty. */
export const at = (f: { key: Node; value: Node | null }): Node => f.value ?? f.key;

export function readString(r: Reader, node: Node | null, key: string, shape?: RegExp, hint?: string): string | undefined {
  if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') {
    report(r, node, key, 'must be a non-empty string');
    return undefined;
  }
  if (shape && !shape.test(node.value)) {
    report(r, node, key, `must match ${hint ?? shape.source}`);
    return undefined;
  }
  return node.value;
}

export function readBool(r: Reader, node: Node | null, key: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  report(r, node, key, 'must be true or false');
  return undefined;
}

export function readInt(r: Reader, node: Node | null, key: string, min: number, max: number): number | undefined {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  report(r, node, key, `must be an integer from ${min} to ${max}`);
  return undefined;
}

export function readEnum<T extends string>(r: Reader, node: Node | null, key: string, values: readonly T[]): T | undefined {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
  report(r, node, key, `must be one of: ${values.join(', ')}`);
  return undefined;
}

/** Items of a list, each with its key path; a non-list is reported. */
export function readSeq(r: Reader, node: Node | null, key: string): Array<[Node | null, string]> | undefined {
  if (!isSeq(node)) {
    report(r, node, key, 'must be a list');
    return undefined;
  }
  return (node.items as Array<Node | null>).map((item, i) => [item, child(key, i)]);
}

export function readStringList(r: Reader, node: Node | null, key: string, nonEmpty = true): string[] | undefined {
  const items = readSeq(r, node, key);
  if (!items) return undefined;
  if (nonEmpty && items.length === 0) {
    report(r, node, key, 'must not be empty');
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  for (const [item, k] of items) {
    const s = readString(r, item, k);
    if (s === undefined) ok = false;
    else out.push(s);
  }
  return ok ? out : undefined;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30s`, `1m`, `1h`, `1d` → seconds. */
export function readDuration(r: Reader, node: Node | null, key: string): { text: string; seconds: number } | undefined {
  const v = isScalar(node) ? node.value : undefined;
  const m = typeof v === 'string' ? /^([1-9][0-9]{0,5})([smhd])$/.exec(v) : null;
  if (!m) {
    report(r, node, key, 'must be a duration like 30s, 1m, 1h or 1d');
    return undefined;
  }
  return { text: v as string, seconds: Number(m[1]) * UNITS[m[2]] };
}
