// Per-scan state: the text being scanned, the match sink and the streaming "pending" watermark.
// One scan runs at a time per instance (JS is single-threaded per isolate), so globals are safe.

let T: usize = 0;
let N: i32 = 0;
let OUT: usize = 0;
let OUT_CAP: i32 = 0;
let outCount: i32 = 0;
let overflowed: bool = false;
let pendingAt: i32 = 0;
let streamingMode: bool = false;
let enabledMask: u32 = 0;

export function beginScan(text: usize, len: i32, out: usize, outCap: i32, enabled: u32, streaming: bool): void {
  T = text;
  N = len;
  OUT = out;
  OUT_CAP = outCap;
  outCount = 0;
  overflowed = false;
  pendingAt = len;
  streamingMode = streaming;
  enabledMask = enabled;
}

@inline export function at(i: i32): u32 {
  return <u32>load<u8>(T + <usize>i);
}

/** Byte before i, or 0 at the start (the start of the buffer counts as a boundary). */
@inline export function before(i: i32): u32 {
  return i > 0 ? <u32>load<u8>(T + <usize>(i - 1)) : 0;
}

@inline export function len(): i32 {
  return N;
}

@inline export function textPtr(): usize {
  return T;
}

@inline export function on(bit: u32): bool {
  return (enabledMask & (<u32>1 << bit)) != 0;
}

@inline export function isStreaming(): bool {
  return streamingMode;
}

/** Record a confirmed match as (code, start, end) u32 triples. */
export function emit(code: u32, s: i32, e: i32): void {
  if (outCount >= OUT_CAP) {
    overflowed = true;
    return;
  }
  const p = OUT + <usize>outCount * 12;
  store<u32>(p, code);
  store<u32>(p, <u32>s, 4);
  store<u32>(p, <u32>e, 8);
  outCount++;
}

/** A candidate starting at `start` ran into the end of the buffer: in streaming mode it is not final yet. */
export function pend(start: i32): void {
  if (streamingMode && start < pendingAt) pendingAt = start < 0 ? 0 : start;
}

export function matchCount(): i32 {
  return overflowed ? -1 : outCount;
}

export function pendingStart(): i32 {
  return pendingAt;
}
