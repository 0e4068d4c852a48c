// Custom regex detectors from policy, confirmed by re2-wasm (linear time: no pattern can ReDoS us).
// re2-wasm reports offsets in code points and copies its whole input on every exec, so it only ever
// sees bounded windows: around prefilter anchor hits, or fixed windows overlapping by maxLength.
import { RE2 } from 're2-wasm';
import type { CustomPatternDetector, KeywordDetector } from '../api.js';

const MAX_PATTERN_LENGTH = 4096;
const MAX_MATCH_LENGTH = 16384;

function fail(id: string, why: string): never {
  throw new Error(`custom detector "${id}": ${why}`);
}

function re2Flags(det: CustomPatternDetector): string {
  const flags = det.flags ?? '';
  for (const f of flags) if (!'imsu'.includes(f)) fail(det.id, `unsupported flag "${f}" (allowed: i, m, s)`);
  return 'gu' + [...new Set(flags.replace('u', ''))].join('');
}

/** Throws an Error naming the detector when the pattern, flags, maxLength or anchors are unusable. */
export function validateCustomPattern(det: CustomPatternDetector): void {
  compileRe2(det);
}

function compileRe2(det: CustomPatternDetector): RE2 {
  const id = det.id || '(unnamed)';
  if (typeof det.pattern !== 'string' || det.pattern.length === 0) fail(id, 'pattern is empty');
  if (det.pattern.length > MAX_PATTERN_LENGTH) fail(id, `pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  if (!Number.isInteger(det.maxLength) || det.maxLength < 1 || det.maxLength > MAX_MATCH_LENGTH) {
    fail(id, `maxLength must be an integer between 1 and ${MAX_MATCH_LENGTH}`);
  }
  for (const a of det.anchors ?? []) {
    const bytes = Buffer.byteLength(a);
    if (bytes === 0 || bytes > 255) fail(id, 'anchors must be 1 to 255 bytes long');
  }
  const flags = re2Flags(det);
  try {
    return new RE2(det.pattern, flags);
  } catch (err) {
    return fail(id, `invalid pattern: ${(err as Error).message}`);
  }
}

/** Same checks for keyword lists (anchors go into the matcher's 255-byte records). */
export function validateKeywordDetector(det: KeywordDetector): void {
  if (!Array.isArray(det.keywords) || det.keywords.length === 0) fail(det.id, 'keywords list is empty');
  for (const k of det.keywords) {
    const bytes = Buffer.byteLength(k);
    if (bytes === 0 || bytes > 255) fail(det.id, 'keywords must be 1 to 255 bytes long');
  }
}

export interface CompiledCustom {
  det: CustomPatternDetector;
  code: number;
  re: RE2;
  /** maxLength in bytes (UTF-8 worst case, 4 per character). */
  maxBytes: number;
  anchored: boolean;
}

export function compileCustom(det: CustomPatternDetector, code: number): CompiledCustom {
  return { det, code, re: compileRe2(det), maxBytes: det.maxLength * 4, anchored: (det.anchors?.length ?? 0) > 0 };
}

const decoder = new TextDecoder();

/** Code-point index → UTF-16 index, walking forward from a cursor (matches come in order). */
interface Cursor { cp: number; u16: number; bytes: number }

function advance(str: string, c: Cursor, cpTarget: number, astral: boolean): void {
  const from = c.u16;
  if (!astral) c.u16 = cpTarget;
  else {
    while (c.cp < cpTarget) {
      const code = str.charCodeAt(c.u16);
      c.u16 += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
      c.cp++;
    }
  }
  c.cp = cpTarget;
  c.bytes += Buffer.byteLength(str.slice(from, c.u16));
}

/**
 * Runs one detector over the byte window [ws, we) of `text` (UTF-8, char-aligned by the caller) and
 * reports matches as byte offsets into `text`.
 */
export function execWindow(c: CompiledCustom, text: Uint8Array, ws: number, we: number, found: (s: number, e: number) => void): void {
  const str = decoder.decode(text.subarray(ws, we));
  const astral = /[\uD800-\uDFFF]/.test(str);
  const cur: Cursor = { cp: 0, u16: 0, bytes: ws };
  c.re.lastIndex = 0;
  for (let m = c.re.exec(str); m !== null; m = c.re.exec(str)) {
    const value = m[0] ?? '';
    if (value.length === 0) {
      c.re.lastIndex++;
      continue;
    }
    advance(str, cur, m.index, astral);
    found(cur.bytes, cur.bytes + Buffer.byteLength(value));
  }
}
