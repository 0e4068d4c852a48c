// Canonical JSON for hashing (RFC 8785-like, JCS): keys sorted by UTF-16 code units, no whitespace,
// strings and numbers serialized exactly as ECMAScript's JSON.stringify does (which is what JCS prescribes).
import { createHash } from 'node:crypto';
import { SluiceError } from '../errors.js';

export type CanonicalValue = string | number | boolean | null | CanonicalValue[] | { [key: string]: CanonicalValue | undefined };

/** Serializes `value` deterministically. Object members that are `undefined` are omitted (as JSON does). */
export function canonicalize(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw invalid('a non-finite number');
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return canonicalArray(value);
      return canonicalObject(value as Record<string, unknown>);
    default:
      throw invalid(`a ${typeof value}`);
  }
}

function canonicalArray(items: unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    // JSON turns holes and undefined into null; an audit record should never contain them, so refuse.
    if (items[i] === undefined) throw invalid('undefined in an array');
    out += canonicalize(items[i]);
  }
  return out + ']';
}

function canonicalObject(obj: Record<string, unknown>): string {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) throw invalid('a non-plain object');
  // Default sort compares UTF-16 code units, which is the order RFC 8785 §3.2.3 requires.
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key) + ':' + canonicalize(v);
  }
  return out + '}';
}

function invalid(what: string): SluiceError {
  return new SluiceError('SLUICE_INTERNAL', `Cannot canonicalize ${what}`);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
