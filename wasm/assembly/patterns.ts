// The literal-anchor table (built by src/inspect/patterns.ts): Teddy nibble masks for the SIMD
// prefilter, per-byte bucket tables for the scalar path, and pattern records grouped in 8 buckets.
//
// Layout (offsets from the table start, little-endian):
//   0 u32 pattern count   4 u32 longest pattern
//   16  six 16-byte masks: lo0 hi0 lo1 hi1 lo2 hi2 (bucket bits for the low/high nibble at position k)
//   112 three 256-byte tables S0 S1 S2 (bucket bits for a byte at position k)
//   880 eight (u32 list offset, u32 count) buckets; a list holds u32 record offsets
//   record: u16 code, u8 kind, u8 flags, u8 len, u8 charset, u16 min, u16 max, u16 pad, len bytes

export const K_KEYWORD: u32 = 1;
export const K_CUSTOM: u32 = 2;
export const K_TOKEN: u32 = 3;
export const K_JWT: u32 = 4;
export const K_PEM: u32 = 5;
export const K_ASSIGN: u32 = 6;

export const F_CI: u32 = 1;
export const F_WORD_BEFORE: u32 = 2;
export const F_WORD_AFTER: u32 = 4;
export const F_MIXED: u32 = 8;
export const F_ENTROPY: u32 = 16;

export const OFF_MASKS: usize = 16;
export const OFF_SCALAR: usize = 112;
export const OFF_BUCKETS: usize = 880;

let PT: usize = 0;

export function setTable(p: usize): void {
  PT = p;
}

@inline export function table(): usize {
  return PT;
}

export function patternCount(): i32 {
  return PT == 0 ? 0 : load<i32>(PT);
}

export function longestPattern(): i32 {
  return PT == 0 ? 0 : load<i32>(PT, 4);
}

@inline export function bucketList(b: i32): usize {
  return PT + <usize>load<u32>(PT + OFF_BUCKETS + (<usize>b << 3));
}

@inline export function bucketCount(b: i32): i32 {
  return load<i32>(PT + OFF_BUCKETS + (<usize>b << 3), 4);
}

@inline export function record(list: usize, k: i32): usize {
  return PT + <usize>load<u32>(list + (<usize>k << 2));
}

@inline export function rCode(r: usize): u32 { return <u32>load<u16>(r); }
@inline export function rKind(r: usize): u32 { return <u32>load<u8>(r, 2); }
@inline export function rFlags(r: usize): u32 { return <u32>load<u8>(r, 3); }
@inline export function rLen(r: usize): i32 { return <i32>load<u8>(r, 4); }
@inline export function rCharset(r: usize): u32 { return <u32>load<u8>(r, 5); }
@inline export function rMin(r: usize): i32 { return <i32>load<u16>(r, 6); }
@inline export function rMax(r: usize): i32 { return <i32>load<u16>(r, 8); }
@inline export function rByte(r: usize, k: i32): u32 { return <u32>load<u8>(r + 12 + <usize>k); }
