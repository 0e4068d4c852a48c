// JSON walker: validates the body, copies it into the scan buffer with string escapes decoded
// (\n, \", \u0034, surrogate pairs), and records
//   atoms  (tPos, origPos, tLen, origLen) for every escape, so scan offsets map back to the body;
//   tokens (tStart, tEnd, kind) for strings (1), keys (2) and numbers (3), in scan coordinates;
//   meta   (type, keyStart, keyEnd, valStart, valEnd) in body coordinates: type 1 = top-level member,
//          type 2 = a "name": "<string>" member (key span = the key its container sits under).
// Structure bytes are copied verbatim (commas between array elements as NUL), so the scan buffer mirrors the
// body except inside escapes.

const MAX_DEPTH: i32 = 512;
const CT: usize = memory.data(MAX_DEPTH + 1);
const KS: usize = memory.data((MAX_DEPTH + 1) * 4);
const KE: usize = memory.data((MAX_DEPTH + 1) * 4);
const PKS: usize = memory.data((MAX_DEPTH + 1) * 4);
const PKE: usize = memory.data((MAX_DEPTH + 1) * 4);
const VS: usize = memory.data((MAX_DEPTH + 1) * 4);

const OBJ: u8 = 1;
const ARR: u8 = 2;

let IN: usize = 0;
let OUTB: usize = 0;
let N: i32 = 0;
let copied: i32 = 0;
let tpos: i32 = 0;
let atoms: usize = 0;
let atomCap: i32 = 0;
let atomCount: i32 = 0;
let toks: usize = 0;
let tokCap: i32 = 0;
let tokCount: i32 = 0;
let meta: usize = 0;
let metaCap: i32 = 0;
let metaCount: i32 = 0;
let err: i32 = 0;

@inline function b(i: i32): u32 {
  return <u32>load<u8>(IN + <usize>i);
}

@inline function gi(base: usize, d: i32): i32 {
  return load<i32>(base + (<usize>d << 2));
}

@inline function si(base: usize, d: i32, v: i32): void {
  store<i32>(base + (<usize>d << 2), v);
}

function ws(i: i32): i32 {
  while (true) {
    const c = b(i);
    if (c != 32 && c != 10 && c != 13 && c != 9) return i;
    i++;
  }
}

@inline function tOf(p: i32): i32 {
  return p - (copied - tpos);
}

function token(s: i32, e: i32, kind: u32): void {
  if (tokCount >= tokCap) { err = -3; return; }
  const p = toks + <usize>tokCount * 12;
  store<u32>(p, <u32>s);
  store<u32>(p, <u32>e, 4);
  store<u32>(p, kind, 8);
  tokCount++;
}

function metaEvent(type: u32, ks: i32, ke: i32, vs: i32, ve: i32): void {
  // A dropped event could hide the member policy reads (a `model` after many `name`s): the caller grows and re-walks.
  if (metaCount >= metaCap) { err = -4; return; }
  const p = meta + <usize>metaCount * 20;
  store<u32>(p, type);
  store<u32>(p, <u32>ks, 4);
  store<u32>(p, <u32>ke, 8);
  store<u32>(p, <u32>vs, 12);
  store<u32>(p, <u32>ve, 16);
  metaCount++;
}

function hex4(i: i32): i32 {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = b(i + k);
    let d: i32;
    if (c - 48 < 10) d = <i32>(c - 48);
    else if ((c | 32) - 97 < 6) d = <i32>((c | 32) - 87);
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

function put(c: u32): void {
  store<u8>(OUTB + <usize>tpos, <u8>c);
  tpos++;
}

function putUtf8(cp: i32): void {
  if (cp < 0x80) put(cp);
  else if (cp < 0x800) { put(0xc0 | (cp >> 6)); put(0x80 | (cp & 63)); }
  else if (cp < 0x10000) { put(0xe0 | (cp >> 12)); put(0x80 | ((cp >> 6) & 63)); put(0x80 | (cp & 63)); }
  else { put(0xf0 | (cp >> 18)); put(0x80 | ((cp >> 12) & 63)); put(0x80 | ((cp >> 6) & 63)); put(0x80 | (cp & 63)); }
}

/** Decodes the escape at j into the scan buffer; returns its length in the body, or 0 if invalid. */
function escape(j: i32): i32 {
  memory.copy(OUTB + <usize>tpos, IN + <usize>copied, <usize>(j - copied));
  tpos += j - copied;
  copied = j;
  const t0 = tpos;
  const c = b(j + 1);
  let elen = 2;
  if (c == 34 || c == 92 || c == 47) put(c);
  else if (c == 98) put(8);
  else if (c == 102) put(12);
  else if (c == 110) put(10);
  else if (c == 114) put(13);
  else if (c == 116) put(9);
  else if (c == 117) {
    let cp = hex4(j + 2);
    if (cp < 0) return 0;
    elen = 6;
    if (cp >= 0xd800 && cp <= 0xdbff && b(j + 6) == 92 && b(j + 7) == 117) {
      const lo = hex4(j + 8);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        elen = 12;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    putUtf8(cp);
  } else return 0;
  if (atomCount >= atomCap) { err = -2; return 0; }
  const p = atoms + <usize>atomCount * 16;
  store<u32>(p, <u32>t0);
  store<u32>(p, <u32>j, 4);
  store<u32>(p, <u32>(tpos - t0), 8);
  store<u32>(p, <u32>elen, 12);
  atomCount++;
  copied = j + elen;
  return elen;
}

/**
 * A comma between array elements reads as NUL in the scan buffer (same length, so offsets still map): elements
 * never join into one value (`[4111,1111,1111,1111]` is four numbers, not a card). NUL is the one control
 * character the matcher does not skip.
 */
function neutral(j: i32): void {
  memory.copy(OUTB + <usize>tpos, IN + <usize>copied, <usize>(j - copied));
  tpos += j - copied;
  put(0);
  copied = j + 1;
}

/** Next '"', '\\' or control byte at or after j (the padding after the body is zeros). */
function stringStop(j: i32): i32 {
  if (ASC_FEATURE_SIMD) {
    const q = i8x16.splat(34);
    const bs = i8x16.splat(92);
    const sp = i8x16.splat(32);
    while (true) {
      const v = v128.load(IN + <usize>j);
      const m = v128.or(v128.or(i8x16.eq(v, q), i8x16.eq(v, bs)), i8x16.lt_u(v, sp));
      if (v128.any_true(m)) return j + ctz(i8x16.bitmask(m));
      j += 16;
    }
  }
  while (true) {
    const c = b(j);
    if (c == 34 || c == 92 || c < 32) return j;
    j++;
  }
}

/** String at i (the opening quote); returns the index after the closing quote, or -1. */
function str(i: i32, kind: u32): i32 {
  const s = i + 1;
  const ts = tOf(s);
  let j = s;
  while (true) {
    j = stringStop(j);
    const c = b(j);
    if (c == 34) break;
    if (c != 92 || j >= N) return -1;
    const el = escape(j);
    if (el == 0) return -1;
    j += el;
  }
  token(ts, tOf(j), kind);
  return j + 1;
}

@inline function digit(c: u32): bool {
  return c - 48 < 10;
}

function num(i: i32): i32 {
  const s = i;
  if (b(i) == 45) i++;
  if (b(i) == 48) i++;
  else if (digit(b(i))) { while (digit(b(i))) i++; }
  else return -1;
  if (b(i) == 46) {
    i++;
    if (!digit(b(i))) return -1;
    while (digit(b(i))) i++;
  }
  if ((b(i) | 32) == 101) {
    i++;
    if (b(i) == 43 || b(i) == 45) i++;
    if (!digit(b(i))) return -1;
    while (digit(b(i))) i++;
  }
  token(tOf(s), tOf(i), 3);
  return i;
}

function lit(i: i32, w: string): i32 {
  for (let k = 0; k < w.length; k++) if (b(i + k) != <u32>w.charCodeAt(k)) return -1;
  return i + w.length;
}

function isName(ks: i32, ke: i32): bool {
  return ke - ks == 6 && b(ks + 1) == 110 && b(ks + 2) == 97 && b(ks + 3) == 109 && b(ks + 4) == 101;
}

/** Returns the scan-buffer length, or -1 invalid JSON, -2 atom / -3 token / -4 meta space exhausted. */
export function walkJson(inp: usize, n: i32, out: usize, atomPtr: usize, aCap: i32, tokPtr: usize, tCap: i32, metaPtr: usize, mCap: i32): i32 {
  IN = inp; OUTB = out; N = n;
  copied = 0; tpos = 0; err = 0;
  atoms = atomPtr; atomCap = aCap; atomCount = 0;
  toks = tokPtr; tokCap = tCap; tokCount = 0;
  meta = metaPtr; metaCap = mCap; metaCount = 0;
  const r = walk();
  if (err != 0) return err;
  if (r < 0) return -1;
  memory.copy(OUTB + <usize>tpos, IN + <usize>copied, <usize>(n - copied));
  tpos += n - copied;
  return tpos;
}

function push(depth: i32, t: u8): void {
  store<u8>(CT + <usize>depth, t);
  if (depth == 1) { si(PKS, 1, 0); si(PKE, 1, 0); }
  else if (load<u8>(CT + <usize>(depth - 1)) == OBJ) { si(PKS, depth, gi(KS, depth - 1)); si(PKE, depth, gi(KE, depth - 1)); }
  else { si(PKS, depth, gi(PKS, depth - 1)); si(PKE, depth, gi(PKE, depth - 1)); }
}

function walk(): i32 {
  let i = ws(0);
  if (i >= N) return -1;
  let depth = 0;
  let wantKey = false;
  while (true) {
    if (err != 0) return -1;
    if (wantKey) {
      i = ws(i);
      if (b(i) != 34) return -1;
      const ks = i;
      i = str(i, 2);
      if (i < 0) return -1;
      si(KS, depth, ks);
      si(KE, depth, i);
      i = ws(i);
      if (b(i) != 58) return -1;
      i = ws(i + 1);
      si(VS, depth, i);
      wantKey = false;
    }
    i = ws(i);
    const c = b(i);
    let primitive = true;
    const vs = i;
    if (c == 123 || c == 91) {
      if (depth >= MAX_DEPTH || i >= N) return -1;
      depth++;
      push(depth, c == 123 ? OBJ : ARR);
      i = ws(i + 1);
      const close: u32 = c == 123 ? 125 : 93;
      if (b(i) != close) {
        wantKey = c == 123;
        continue;
      }
      i++;
      depth--;
      primitive = false;
    } else if (c == 34) i = str(i, 1);
    else if (c == 45 || digit(c)) i = num(i);
    else if (c == 116) i = lit(i, "true");
    else if (c == 102) i = lit(i, "false");
    else if (c == 110) i = lit(i, "null");
    else return -1;
    if (i < 0) return -1;
    // After a value: record meta, then close containers / move to the next member.
    if (primitive && c == 34 && depth > 0 && load<u8>(CT + <usize>depth) == OBJ && isName(gi(KS, depth), gi(KE, depth))) {
      metaEvent(2, gi(PKS, depth), gi(PKE, depth), vs, i);
    }
    while (true) {
      if (depth == 1 && load<u8>(CT + 1) == OBJ) metaEvent(1, gi(KS, 1), gi(KE, 1), gi(VS, 1), i);
      i = ws(i);
      if (depth == 0) return i >= N ? 0 : -1;
      const d = b(i);
      const t = load<u8>(CT + <usize>depth);
      if (d == 44) {
        if (t == ARR) neutral(i);
        i++;
        wantKey = t == OBJ;
        break;
      }
      if ((d == 125 && t == OBJ) || (d == 93 && t == ARR)) {
        i++;
        depth--;
        continue;
      }
      return -1;
    }
  }
}

export function jsonAtomCount(): i32 { return atomCount; }
export function jsonTokenCount(): i32 { return tokCount; }
export function jsonMetaCount(): i32 { return metaCount; }
