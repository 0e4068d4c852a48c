// Verification of literal-anchor candidates and the per-kind extension rules (tokens, JWT, PEM,
// `password=`-style assignments, keywords, custom-detector anchors).
import { at, before, len, emit, pend, textPtr } from "./state";
import { isWord, inSet, lower, CS_B64URL, CS_PEM, C_UPPER, C_DIGIT, C_LOWER, cls } from "./tables";
import { entropy, distinct } from "./validate";
import {
  bucketList, bucketCount, record, rCode, rKind, rFlags, rLen, rCharset, rMin, rMax, rByte,
  K_KEYWORD, K_CUSTOM, K_TOKEN, K_JWT, K_PEM, K_ASSIGN, F_CI, F_WORD_BEFORE, F_WORD_AFTER, F_MIXED, F_ENTROPY,
  longestPattern,
} from "./patterns";

/** Does record r match at q? Compares only the first `limit` bytes (partial matches at the buffer end). */
function matchesAt(r: usize, q: i32, limit: i32): bool {
  const ci = (rFlags(r) & F_CI) != 0;
  for (let k = 0; k < limit; k++) {
    let b = at(q + k);
    if (ci) b = lower(b);
    if (b != rByte(r, k)) return false;
  }
  return true;
}

/** Teddy reported bucket bits `bk` at q: confirm each pattern in those buckets. */
export function verifyAnchors(q: i32, bk: u32): void {
  while (bk != 0) {
    const b = <i32>ctz(bk);
    bk &= bk - 1;
    const list = bucketList(b);
    const n = bucketCount(b);
    for (let k = 0; k < n; k++) {
      const r = record(list, k);
      if (matchesAt(r, q, rLen(r))) dispatch(r, q);
    }
  }
}

/** Streaming: a suffix of the buffer that is a prefix of some anchor may become a match. */
export function partialAnchors(): void {
  const n = len();
  let p = n - longestPattern() + 1;
  if (p < 0) p = 0;
  for (; p < n; p++) {
    for (let b = 0; b < 8; b++) {
      const list = bucketList(b);
      const c = bucketCount(b);
      for (let k = 0; k < c; k++) {
        const r = record(list, k);
        if (rLen(r) > n - p && matchesAt(r, p, n - p)) {
          pend(p);
          return;
        }
      }
    }
  }
}

function dispatch(r: usize, q: i32): void {
  const kind = rKind(r);
  if (kind == K_KEYWORD) keyword(r, q);
  else if (kind == K_CUSTOM) emit(rCode(r), q, q + rLen(r));
  else if (kind == K_TOKEN) token(r, q);
  else if (kind == K_JWT) jwt(r, q);
  else if (kind == K_PEM) pem(r, q);
  else if (kind == K_ASSIGN) assign(r, q);
}

function keyword(r: usize, q: i32): void {
  const f = rFlags(r);
  const e = q + rLen(r);
  if ((f & F_WORD_BEFORE) != 0 && isWord(before(q))) return;
  if ((f & F_WORD_AFTER) != 0) {
    if (e >= len()) pend(q);
    if (isWord(at(e))) return;
  }
  emit(rCode(r), q, e);
}

/** Prefix + a run of charset bytes whose length is within [min, max]. */
function token(r: usize, q: i32): void {
  if (isWord(before(q))) return;
  const set = rCharset(r);
  const max = rMax(r);
  const b0 = q + rLen(r);
  let i = b0;
  let digits = 0;
  let letters = 0;
  while (i - b0 <= max && inSet(at(i), set)) {
    const c = cls(at(i));
    if ((c & C_DIGIT) != 0) digits++;
    else if ((c & (C_UPPER | C_LOWER)) != 0) letters++;
    i++;
  }
  if (i >= len()) pend(q);
  const n = i - b0;
  if (n < rMin(r) || n > max) return;
  if ((rFlags(r) & F_MIXED) != 0 && (digits == 0 || letters == 0)) return;
  emit(rCode(r), q, i);
}

function b64urlRun(i: i32): i32 {
  while (inSet(at(i), CS_B64URL)) i++;
  return i;
}

/** header.payload.signature, each base64url; header starts with `eyJ` (the anchor). */
function jwt(r: usize, q: i32): void {
  if (inSet(before(q), CS_B64URL)) return;
  const h = b64urlRun(q);
  if (h >= len()) { pend(q); return; }
  if (h - q < 10 || at(h) != 46) return;
  const p = b64urlRun(h + 1);
  if (p >= len()) { pend(q); return; }
  if (p - h - 1 < 4 || at(p) != 46) return;
  const s = b64urlRun(p + 1);
  if (s >= len()) pend(q);
  if (s - q > rMax(r)) return;
  emit(rCode(r), q, s);
}

function isDashes(i: i32): bool {
  return at(i) == 45 && at(i + 1) == 45 && at(i + 2) == 45 && at(i + 3) == 45 && at(i + 4) == 45;
}

/**
 * `-----BEGIN … PRIVATE KEY-----` through `-----END …-----`, or through the last body byte when cut off.
 * Streaming: wherever the buffer ends (after `-----BEGIN`, inside the label or its dashes, inside the body or the
 * footer) the candidate stays pending, so no prefix of a key is ever released on its own.
 */
function pem(r: usize, q: i32): void {
  const n = len();
  let i = q + rLen(r);
  if (i >= n) { pend(q); return; }
  if (at(i) != 32) return;
  i++;
  const labelStart = i;
  while (i - labelStart < 64 && i < n && ((cls(at(i)) & (C_UPPER | C_DIGIT)) != 0 || at(i) == 32)) i++;
  if (i >= n) { pend(q); return; }
  if (at(i) != 45 || !privateLabel(labelStart, i)) return;
  if (!isDashes(i)) {
    // The buffer may end inside the closing dashes.
    let k = i;
    while (k < n && at(k) == 45) k++;
    if (k >= n && k - i < 5) pend(q);
    return;
  }
  i += 5;
  const limit = q + rMax(r);
  let last = i;
  while (i < limit && i < n) {
    if (isDashes(i) && at(i + 5) == 69 && at(i + 6) == 78 && at(i + 7) == 68) {
      let k = i + 8;
      while (k < i + 80 && k < n && !isDashes(k)) k++;
      if (isDashes(k) && k + 5 <= n) { emit(rCode(r), q, k + 5); return; }
      // The footer runs into the end of the buffer: more may follow.
      if (k + 5 > n) pend(q);
      break;
    }
    if (!inSet(at(i), CS_PEM)) break;
    i++;
    if (at(i - 1) > 32) last = i;
  }
  if (i >= n) pend(q);
  emit(rCode(r), q, last);
}

function privateLabel(s: i32, e: i32): bool {
  // "PRIVATE KEY" ends the label, or precedes " BLOCK" (PGP).
  let end = e;
  if (end - s >= 17 && at(end - 6) == 32 && at(end - 5) == 66 && at(end - 4) == 76) end -= 6;
  if (end - s < 11) return false;
  const want = "PRIVATE KEY";
  for (let k = 0; k < 11; k++) if (at(end - 11 + k) != <u32>want.charCodeAt(k)) return false;
  return true;
}

@inline function valueByte(b: u32): bool {
  // Stop at whitespace, quotes and the punctuation that closes a value in configs, URLs and code.
  return b > 32 && b != 34 && b != 39 && b != 96 && b != 44 && b != 59 && b != 38 && b != 41 && b != 125 && b != 93;
}

/** key (+ key suffix) [quote] ws (= | : | := | =>) ws value; reports the value span only. */
function assign(r: usize, q: i32): void {
  const n = len();
  let i = q + rLen(r);
  let k = 0;
  while (k < 32 && inSet(at(i), CS_B64URL)) { i++; k++; }
  if (at(i) == 34 || at(i) == 39) i++;
  while ((at(i) == 32 || at(i) == 9) && i - q < 64) i++;
  const sep = at(i);
  if (sep == 61) { i++; if (at(i) == 62) i++; }
  else if (sep == 58) { i++; if (at(i) == 61) i++; }
  else { if (i >= n) pend(q); return; }
  while ((at(i) == 32 || at(i) == 9) && i - q < 96) i++;
  if (i >= n) { pend(q); return; }
  const quote = at(i);
  const quoted = quote == 34 || quote == 39 || quote == 96;
  if (quoted) i++;
  const vs = i;
  const max = rMax(r);
  if (quoted) {
    while (i - vs <= max && at(i) != quote && at(i) != 10 && i < n) i++;
    if (i >= n) { pend(q); return; }
    if (at(i) != quote) return;
  } else {
    while (i - vs <= max && valueByte(at(i))) i++;
    if (i >= n) pend(q);
  }
  const ve = i;
  if (acceptValue(r, vs, ve, quoted, sep == 58)) emit(rCode(r), vs, ve);
}

function acceptValue(r: usize, vs: i32, ve: i32, quoted: bool, colon: bool): bool {
  const n = ve - vs;
  if (n < rMin(r) || n > rMax(r)) return false;
  const first = at(vs);
  // Templates and already-masked values: ${VAR}, {{x}}, <password>, %s, [REDACTED:…], ****.
  if (first == 36 || first == 123 || first == 60 || first == 37 || first == 91 || first == 42) return false;
  const set = rCharset(r);
  let letters = 0;
  for (let i = vs; i < ve; i++) {
    const b = at(i);
    if (set != 0 && !inSet(b, set)) return false;
    if ((cls(b) & (C_UPPER | C_LOWER)) != 0) letters++;
  }
  // "password: reset required" is prose; an unquoted value after ':' must look like a secret.
  if (colon && !quoted && letters == n) return false;
  const p = textPtr() + <usize>vs;
  if (distinct(p, n) < 3) return false;
  if ((rFlags(r) & F_ENTROPY) != 0 && entropy(p, n) < 3.5) return false;
  return true;
}
