export interface Summary {
  count: number;
  mean: number | null;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}
export function percentile(sorted: ArrayLike<number>, p: number): number | null;
export function summarize(samples: ArrayLike<number> | Iterable<number>): Summary;
export function median(values: Array<number | null | undefined>): number | null;
export function difference(a: unknown, b: unknown): number | null;
export function ratio(a: unknown, b: unknown): number | null;
