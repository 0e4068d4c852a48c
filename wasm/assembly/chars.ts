// Character classes of the UTF-8 text at an offset, from the tables generated from Unicode (unicode.ts):
// digits of every script with their value, characters skipped inside a candidate, separator kinds, capital letters.
import { at } from "./state";
import { U_STAGE1, U_STAGE2, U_DIGIT_LEAD, C_DIGIT, C_IGNORE, C_SEP, C_LETTER } from "./unicode";

export { C_DIGIT, C_IGNORE, C_SEP, C_LETTER };

@inline function classOf(cp: u32): u32 {
  const block = <usize>load<u8>(U_STAGE1 + <usize>(cp >> 8));
  return <u32>load<u8>(U_STAGE2 + (block << 8) + <usize>(cp & 0xff));
}

/**
 * Class of the character starting at i, packed with its byte length: class | length << 8. An invalid or
 * truncated sequence is one byte of class 0. Reads at most 4 bytes (the buffer has zero padding after it).
 */
export function charAt(i: i32): u32 {
  const b0 = at(i);
  if (b0 < 0x80) return <u32>load<u8>(U_STAGE2 + <usize>b0) | 0x100;
  if (b0 < 0xc2 || b0 > 0xf4) return 0x100;
  const b1 = at(i + 1);
  if ((b1 & 0xc0) != 0x80) return 0x100;
  if (b0 < 0xe0) return classOf(((b0 & 0x1f) << 6) | (b1 & 0x3f)) | 0x200;
  const b2 = at(i + 2);
  if ((b2 & 0xc0) != 0x80) return 0x100;
  if (b0 < 0xf0) {
    const cp = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
    if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return 0x100;
    return classOf(cp) | 0x300;
  }
  const b3 = at(i + 3);
  if ((b3 & 0xc0) != 0x80) return 0x100;
  const cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
  if (cp < 0x10000 || cp > 0x10ffff) return 0x100;
  return classOf(cp) | 0x400;
}

/** Could the byte b (≥ 0x80) start a non-ASCII digit? One load; the prefilter's second look. */
@inline export function digitLead(b: u32): bool {
  return load<u8>(U_DIGIT_LEAD + <usize>b) != 0;
}

@inline export function isDigitClass(c: u32): bool {
  return c - C_DIGIT < 10;
}

@inline export function isSepClass(c: u32): bool {
  return c - C_SEP < 10;
}

@inline export function isLetterClass(c: u32): bool {
  return c - C_LETTER < 26;
}

/** Class of an ASCII byte: one load (block 0 of the table is U+0000..U+00FF). */
@inline export function asciiClass(b: u32): u32 {
  return <u32>load<u8>(U_STAGE2 + <usize>b);
}

/** Start of the character that ends at i (one byte back for an invalid sequence), or -1 at the start. */
export function charBefore(i: i32): i32 {
  if (i <= 0) return -1;
  let k = i - 1;
  while (k > 0 && i - k < 4 && (at(k) & 0xc0) == 0x80) k--;
  return k + <i32>(charAt(k) >> 8) == i ? k : i - 1;
}

/** Start of the last character before i that is not skipped (invisible), or -1. */
export function significantBefore(i: i32): i32 {
  // Fast path: an ASCII character that is not skipped (nearly always).
  if (i > 0) {
    const b = at(i - 1);
    if (b < 0x80 && asciiClass(b) != C_IGNORE) return i - 1;
  }
  let k = charBefore(i);
  while (k >= 0 && (charAt(k) & 0xff) == C_IGNORE) k = charBefore(k);
  return k;
}

/** i moved past any skipped (invisible) characters, up to n: a mark after a value's last digit belongs to it. */
export function skipIgnorable(i: i32, n: i32): i32 {
  while (i < n) {
    const b = at(i);
    if (b < 0x80) {
      if (asciiClass(b) != C_IGNORE) break;
      i++;
      continue;
    }
    const x = charAt(i);
    if ((x & 0xff) != C_IGNORE) break;
    i += <i32>(x >> 8);
  }
  return i;
}
