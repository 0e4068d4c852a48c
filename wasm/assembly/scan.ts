// The single pass: a Teddy-style SIMD prefilter (three-byte fingerprints, eight buckets) OR-ed with
// character classes (ASCII digits, UTF-8 lead bytes, '@', ':'), then per-candidate verification. A lead byte
// becomes a candidate only if it can start a digit of another script (chars.ts digitLead: one table load).
// Only 16-byte blocks with a candidate leave the vector loop, so prose without digits, '@' or anchor
// fingerprints streams through at prefilter speed.
import { at, len, on, textPtr, isStreaming, pend } from "./state";
import { cls, C_SPACE, C_DIGIT } from "./tables";
import { table, OFF_MASKS, OFF_SCALAR, patternCount } from "./patterns";
import { verifyAnchors, partialAnchors } from "./anchors";
import { digitLead } from "./chars";
import { scanNumber } from "./numbers";
import { scanEmail, scanIPv6 } from "./net";
import { D_CARD, D_SSN, D_PHONE, D_IBAN, D_IPV4, D_EMAIL, D_IPV6 } from "./codes";

const SCRATCH: usize = memory.data(16, 16);

let numSkip: i32 = 0;
let mailSkip: i32 = 0;
let v6Skip: i32 = 0;
let numOn: bool = false;

function onCandidate(q: i32, bk: u32): void {
  if (bk != 0) verifyAnchors(q, bk);
  const b = at(q);
  if (b - 48 < 10 || (b >= 0xc2 && digitLead(b))) {
    if (numOn && q >= numSkip) numSkip = scanNumber(q);
  } else if (b == 64) {
    if (q >= mailSkip && on(D_EMAIL)) mailSkip = scanEmail(q);
  } else if (b == 58) {
    if (q >= v6Skip && on(D_IPV6)) v6Skip = scanIPv6(q);
  }
}

function classSwitches(): void {
  numOn = on(D_CARD) || on(D_SSN) || on(D_PHONE) || on(D_IBAN) || on(D_IPV4);
  numSkip = 0;
  mailSkip = 0;
  v6Skip = 0;
}

/** Runs the prefilter; verifies every candidate unless `countOnly`, in which case it returns the count. */
export function runScan(countOnly: bool): i32 {
  classSwitches();
  const n = len();
  let count = 0;
  if (ASC_FEATURE_SIMD) count = simdLoop(n, countOnly);
  else count = scalarLoop(n, countOnly);
  if (!countOnly && isStreaming()) {
    if (patternCount() > 0) partialAnchors();
    trailingToken(n);
  }
  return count;
}

function simdLoop(n: i32, countOnly: bool): i32 {
  const t = textPtr();
  const pt = table();
  const hasPatterns = patternCount() > 0;
  const lo0 = v128.load(pt + OFF_MASKS);
  const hi0 = v128.load(pt + OFF_MASKS + 16);
  const lo1 = v128.load(pt + OFF_MASKS + 32);
  const hi1 = v128.load(pt + OFF_MASKS + 48);
  const lo2 = v128.load(pt + OFF_MASKS + 64);
  const hi2 = v128.load(pt + OFF_MASKS + 80);
  const nib = i8x16.splat(0x0f);
  const zero = i8x16.splat(0);
  const c0 = i8x16.splat(48);
  const c10 = i8x16.splat(10);
  const numEn = i8x16.splat(numOn ? -1 : 0);
  const at64 = i8x16.splat(on(D_EMAIL) ? 64 : 0);
  const col = i8x16.splat(on(D_IPV6) ? 58 : 0);
  // UTF-8 lead bytes (≥ 0xC2) may start a digit of another script; 0xFF never occurs in UTF-8 (numbers off).
  const lead = i8x16.splat(numOn ? <i8>0xc2 : <i8>0xff);
  let count = 0;
  for (let p = 0; p < n; p += 16) {
    const a = t + <usize>p;
    const v0 = v128.load(a);
    let bk = zero;
    if (hasPatterns) {
      const v1 = v128.load(a, 1);
      const v2 = v128.load(a, 2);
      const f0 = v128.and(i8x16.swizzle(lo0, v128.and(v0, nib)), i8x16.swizzle(hi0, i8x16.shr_u(v0, 4)));
      const f1 = v128.and(i8x16.swizzle(lo1, v128.and(v1, nib)), i8x16.swizzle(hi1, i8x16.shr_u(v1, 4)));
      const f2 = v128.and(i8x16.swizzle(lo2, v128.and(v2, nib)), i8x16.swizzle(hi2, i8x16.shr_u(v2, 4)));
      bk = v128.and(v128.and(f0, f1), f2);
    }
    const digit = v128.and(i8x16.lt_u(i8x16.sub(v0, c0), c10), numEn);
    const special = v128.or(v128.or(i8x16.eq(v0, at64), i8x16.eq(v0, col)), i8x16.ge_u(v0, lead));
    const hit = v128.or(i8x16.ne(bk, zero), v128.or(digit, special));
    if (!v128.any_true(hit)) continue;
    let bits = i8x16.bitmask(hit);
    const left = n - p;
    if (left < 16) bits &= (1 << left) - 1;
    if (countOnly) { count += <i32>popcnt(bits); continue; }
    v128.store(SCRATCH, bk);
    while (bits != 0) {
      const i = ctz(bits);
      bits &= bits - 1;
      onCandidate(p + i, <u32>load<u8>(SCRATCH + <usize>i));
    }
  }
  return count;
}

function scalarLoop(n: i32, countOnly: bool): i32 {
  const s = table() + OFF_SCALAR;
  const hasPatterns = patternCount() > 0;
  const mail = on(D_EMAIL);
  const v6 = on(D_IPV6);
  let count = 0;
  for (let q = 0; q < n; q++) {
    const b = at(q);
    let bk: u32 = 0;
    if (hasPatterns) {
      bk = <u32>load<u8>(s + <usize>b) & <u32>load<u8>(s + 256 + <usize>at(q + 1)) & <u32>load<u8>(s + 512 + <usize>at(q + 2));
    }
    const special = (numOn && ((cls(b) & C_DIGIT) != 0 || (b >= 0xc2 && digitLead(b)))) || (mail && b == 64) || (v6 && b == 58);
    if (bk == 0 && !special) continue;
    if (countOnly) count++;
    else onCandidate(q, bk);
  }
  return count;
}

/** Streaming: the trailing run of non-space bytes may be the start of a token, address or key. */
function trailingToken(n: i32): void {
  let p = n;
  while (p > 0 && n - p < 4096 && (cls(at(p - 1)) & C_SPACE) == 0) p--;
  if (p < n) pend(p);
}
