// Sluice matcher: exported entry points (raw bindings; src/inspect/matcher.ts owns the memory layout).
//
// Match semantics: every detector reports all of its confirmed candidates (overlaps allowed); the
// engine then keeps leftmost-longest, non-overlapping matches, ties broken by detector priority.
import { initTables } from "./tables";
import { beginScan, matchCount, pendingStart } from "./state";
import { setTable } from "./patterns";
import { runScan } from "./scan";
export { walkJson, jsonAtomCount, jsonTokenCount, jsonMetaCount } from "./json";

export function heapBase(): usize {
  return __heap_base;
}

export function init(): void {
  initTables();
}

/** Installs a pattern table (see patterns.ts for the layout) for subsequent scans. */
export function usePatterns(ptr: usize): void {
  setTable(ptr);
}

/**
 * Scans [text, text+len) (followed by ≥ 32 zero bytes) and writes (code, start, end) u32 triples to
 * `out`. Returns the match count, or -1 when more than `outCap` matches were found.
 * flags bit 0: streaming (compute pendingStart()).
 */
export function scan(text: usize, len: i32, out: usize, outCap: i32, enabled: u32, flags: u32): i32 {
  beginScan(text, len, out, outCap, enabled, (flags & 1) != 0);
  runScan(false);
  return matchCount();
}

/** Streaming watermark of the last scan: bytes from here on may still be (part of) a match. */
export function pending(): i32 {
  return pendingStart();
}

/** Prefilter only (benchmarks): the number of candidate positions, nothing verified. */
export function prefilter(text: usize, len: i32, enabled: u32): i32 {
  beginScan(text, len, 0, 0, enabled, false);
  return runScan(true);
}
