export function plannedCount(rate: number, durationMs: number): number;
export function scheduledOffset(i: number, rate: number): number;
export function dueBy(elapsedMs: number, rate: number, total: number): number;
export function latencyFromSchedule(startAt: number, i: number, rate: number, doneAt: number): number;
export function delayUntil(next: number, rate: number, elapsedMs: number): number;
