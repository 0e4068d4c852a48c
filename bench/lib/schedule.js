// Open-loop arithmetic. Request i is *scheduled* at i/rate seconds after the start whatever happened to
// the requests before it, and its latency is measured from that scheduled time, so a stalled target is
// charged for the queue it causes (no coordinated omission: Gil Tene, "How NOT to measure latency").

/** Requests in a run of `durationMs` at `rate` req/s. */
export function plannedCount(rate, durationMs) {
  if (!(rate > 0) || !(durationMs > 0)) throw new RangeError('rate and duration must be positive');
  return Math.floor((rate * durationMs) / 1000);
}

/** Offset in ms from the start at which request `i` (0-based) is due. */
export function scheduledOffset(i, rate) {
  return (i * 1000) / rate;
}

/** How many requests are due by `elapsedMs` (request 0 is due at once), capped at `total`. */
export function dueBy(elapsedMs, rate, total) {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
}

/** Latency of request `i` that completed at `doneAt` (same clock as `startAt`), from its scheduled send time. */
export function latencyFromSchedule(startAt, i, rate, doneAt) {
  return doneAt - (startAt + scheduledOffset(i, rate));
}

/** Delay in ms until request `next` is due, never negative. */
export function delayUntil(next, rate, elapsedMs) {
  return Math.max(0, scheduledOffset(next, rate) - elapsedMs);
}
