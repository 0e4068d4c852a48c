// `--check`: the decision a user's CI relies on. Pure, so the rule itself is unit-tested.

export const REFERENCE_RATE = 1000;
export const DEFAULT_BUDGETS = Object.freeze({ p99Ms: 9, ttftMs: 1, cpuRatio: 1.3 });

/**
 * `measured.addedP99Ms`: Sluice p99 − direct p99 at the reference rate; `measured.ttftOverheadMs`: Sluice
 * p50 TTFT − direct p50 TTFT; `measured.cpuRatio`: Sluice's CPU µs per request ÷ the naive proxy's, from the
 * throughput phase of the same run. A value that was not measured fails the check: a gate that passes when the
 * gateway did not even start would be worse than none.
 */
export function decideCheck(measured, budgets = DEFAULT_BUDGETS) {
  const failures = [];
  const lines = [];
  const gate = (label, value, budget) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      failures.push(`${label}: not measured`);
      lines.push(`FAIL ${label}: not measured (budget ${budget} ms)`);
    } else if (value > budget) {
      failures.push(`${label}: ${value.toFixed(3)} ms > ${budget} ms`);
      lines.push(`FAIL ${label}: ${value.toFixed(3)} ms > budget ${budget} ms`);
    } else {
      lines.push(`ok   ${label}: ${value.toFixed(3)} ms ≤ budget ${budget} ms`);
    }
  };
  gate(`added p99 at ${measured.referenceRate ?? REFERENCE_RATE} req/s`, measured.addedP99Ms, budgets.p99Ms);
  gate('streaming TTFT overhead (p50)', measured.ttftOverheadMs, budgets.ttftMs);
  // CPU per request relative to the naive proxy in the same run (issue 13): a ratio, not milliseconds.
  const cpuBudget = budgets.cpuRatio ?? DEFAULT_BUDGETS.cpuRatio;
  const cpu = measured.cpuRatio;
  const cpuLabel = 'CPU per request vs the naive proxy';
  if (typeof cpu !== 'number' || !Number.isFinite(cpu)) {
    failures.push(`${cpuLabel}: not measured`);
    lines.push(`FAIL ${cpuLabel}: not measured (budget ${cpuBudget}×; needs the sluice and naive targets)`);
  } else if (cpu > cpuBudget) {
    failures.push(`${cpuLabel}: ${cpu.toFixed(2)}× > ${cpuBudget}×`);
    lines.push(`FAIL ${cpuLabel}: ${cpu.toFixed(2)}× > budget ${cpuBudget}×`);
  } else lines.push(`ok   ${cpuLabel}: ${cpu.toFixed(2)}× ≤ budget ${cpuBudget}×`);
  if (measured.errors > 0) {
    failures.push(`${measured.errors} failed or non-2xx requests through Sluice`);
    lines.push(`FAIL ${measured.errors} failed or non-2xx requests through Sluice at the reference rate`);
  }
  return { ok: failures.length === 0, failures, lines };
}

/** Pulls the gate's inputs out of a (possibly repeat-folded) result document. */
export function checkInputs(result, referenceRate = REFERENCE_RATE) {
  const at = result.openLoop?.find((r) => r.rate === referenceRate && r.target === 'sluice');
  const ttft = result.streaming?.find((s) => s.target === 'sluice');
  const cpu = result.throughput?.find((r) => r.target === 'sluice');
  return {
    referenceRate,
    addedP99Ms: at?.addedP99 ?? null,
    ttftOverheadMs: ttft?.ttftOverheadP50 ?? null,
    cpuRatio: cpu?.cpuRatioToNaive ?? null,
    errors: at ? at.errors + at.non2xx + at.dropped : 0,
  };
}
