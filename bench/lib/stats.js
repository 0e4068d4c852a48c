// Latency statistics for the harness: nearest-rank percentiles (no interpolation, so every reported
// value is one that was really measured) and medians across repeated runs.

/** Nearest-rank percentile of an ascending-sorted array: the smallest value with at least p% of samples ≤ it. */
export function percentile(sorted, p) {
  const n = sorted.length;
  if (n === 0) return null;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  // The epsilon absorbs float error (99.9/100 × 2000 = 1998.0000000000002 must be rank 1998, not 1999).
  const rank = Math.max(1, Math.ceil((p * n) / 100 - 1e-9));
  return sorted[rank - 1];
}

/** Count, mean and the percentiles the report shows, from unsorted samples (copied, not modified). */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, mean: null, min: null, p50: null, p90: null, p99: null, p999: null, max: null };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    count: n,
    mean: sum / n,
    min: sorted[0],
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[n - 1],
  };
}

/** Median of the finite numbers in `values` (null when there are none): how --repeat folds runs. */
export function median(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** `a − b` when both were measured; the "added latency" of a target over direct. */
export function difference(a, b) {
  return typeof a === 'number' && typeof b === 'number' ? a - b : null;
}

/** `a / b` when both were measured and b is positive; throughput relative to direct. */
export function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null;
}
