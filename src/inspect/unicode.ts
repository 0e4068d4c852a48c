// The matcher's Unicode character classes on the JavaScript side (same generated data as the WASM tables): the
// canonical ASCII form of a detected value for masks, tokens and hashes, and the classes tests generate from.
import { RANGES, C_DIGIT, C_IGNORE, C_SEP } from './unicode-data.js';

export { UNICODE_VERSION, C_DIGIT, C_IGNORE, C_SEP, C_LETTER, SEPARATOR_KINDS } from './unicode-data.js';

const COUNT = RANGES.length / 4;

/** Index of the range holding cp, or -1. */
function rangeOf(cp: number): number {
  let lo = 0;
  let hi = COUNT - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (RANGES[mid * 4 + 1]! < cp) lo = mid + 1;
    else if (RANGES[mid * 4]! > cp) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** The class byte of a code point (C_DIGIT + value, C_IGNORE, C_SEP + kind, C_LETTER + letter, or 0). */
export function charClass(cp: number): number {
  const r = rangeOf(cp);
  if (r < 0) return 0;
  const c = RANGES[r * 4 + 2]!;
  return c >= C_DIGIT && c < C_DIGIT + 10 ? C_DIGIT + ((c - C_DIGIT + cp - RANGES[r * 4]!) % 10) : c;
}

/** What a non-ASCII character reads as in a detected value: its ASCII stand-in, '' when skipped, or itself. */
function asciiOf(cp: number, ch: string): string {
  const r = rangeOf(cp);
  if (r < 0) return ch;
  const c = RANGES[r * 4 + 2]!;
  if (c === C_IGNORE) return '';
  if (c >= C_DIGIT && c < C_DIGIT + 10) return String.fromCharCode(48 + ((c - C_DIGIT + cp - RANGES[r * 4]!) % 10));
  if (c >= C_SEP) return String.fromCharCode(RANGES[r * 4 + 3]!);
  return ch;
}

const UNUSUAL = /[^\x09\x0a\x0d\x20-\x7e]/;

/**
 * Canonical text of a detected value: digits of every script become ASCII digits, skipped (invisible) characters
 * are dropped, separators and letters of other widths become their ASCII stand-ins (NBSP → ' ', U+2212 → '-').
 */
export function normalize(value: string): string {
  if (!UNUSUAL.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += charClass(cp) === C_IGNORE ? '' : ch;
    else out += asciiOf(cp, ch);
  }
  return out;
}
