export const REFERENCE_RATE: number;
export interface Budgets {
  p99Ms: number;
  ttftMs: number;
  /** Sluice's CPU µs per request ÷ the naive proxy's (same run). */
  cpuRatio?: number;
}
export const DEFAULT_BUDGETS: Readonly<Budgets>;
export interface CheckInputs {
  referenceRate?: number;
  addedP99Ms: number | null;
  ttftOverheadMs: number | null;
  cpuRatio?: number | null;
  errors: number;
}
export interface CheckDecision {
  ok: boolean;
  failures: string[];
  lines: string[];
}
export function decideCheck(measured: CheckInputs, budgets?: Budgets): CheckDecision;
export function checkInputs(result: Record<string, any>, referenceRate?: number): CheckInputs;
