// Sliding quota windows, shared by the in-memory and the Redis store so both answer identically.
//
// A window of W seconds is kept as SLOTS + 1 sub-counters ("slots") of W / SLOTS each. A check counts every slot
// that overlaps the last W seconds, including the oldest, partly expired one. That count is a superset of the
// requests in any W-second span ending now, so no W-second span ever holds more than the limit (a fixed window lets
// 2× the limit through around its edge); the price is refusing up to W / SLOTS early. Memory stays O(SLOTS) per
// counter, whatever the limit. Field names are `r<slot>` (requests) and `t<slot>` (tokens).
import type { QuotaBinding } from './quota.js';

export const SLOTS = 10;

export function slotMs(b: Pick<QuotaBinding, 'windowSeconds'>): number {
  return (b.windowSeconds * 1000) / SLOTS;
}

/** How long a counter must be kept after its last write: the window plus the slot it was written in. */
export function ttlMs(b: Pick<QuotaBinding, 'windowSeconds'>): number {
  return Math.ceil(b.windowSeconds * 1000 + slotMs(b));
}

export interface WindowCounts {
  requests: number;
  tokens: number;
  /** Milliseconds until a request would fit (0 when it fits now). Integers, so derived times are exact. */
  retryRequestsMs: number;
  retryTokensMs: number;
  /** Milliseconds until every counted slot has left the window. */
  resetMs: number;
}

/**
 * Sums the live slots of one counter at `now` (epoch ms). `fields` is the counter as stored (`r<slot>` / `t<slot>`
 * → value); slots older than the window are ignored (the stores delete them). Over a limit `fields` is read a second
 * time, so it must be a collection (Map, array), not a one-shot iterator.
 */
export function countWindow(fields: Iterable<readonly [string, number]>, now: number, b: QuotaBinding): WindowCounts {
  const size = slotMs(b);
  const cur = Math.floor(now / size);
  let requests = 0;
  let tokens = 0;
  let newest = -Infinity;
  for (const [field, value] of fields) {
    const slot = Number(field.slice(1));
    if (!(slot >= cur - SLOTS) || !(value > 0)) continue;
    if (field[0] === 'r') requests += value;
    else tokens += value;
    if (slot > newest) newest = slot;
  }
  // Slot s stops counting once the current slot is s + SLOTS + 1.
  const leaves = (slot: number) => Math.max(0, Math.ceil((slot + SLOTS + 1) * size - now));
  return {
    requests,
    tokens,
    // The slots are listed only when over a limit: the common check allocates nothing per slot.
    retryRequestsMs: b.requests === undefined || requests < b.requests ? 0 : retryIn(liveSlots(fields, 'r', cur), requests, b.requests, leaves),
    retryTokensMs: b.tokens === undefined || tokens < b.tokens ? 0 : retryIn(liveSlots(fields, 't', cur), tokens, b.tokens, leaves),
    resetMs: newest === -Infinity ? b.windowSeconds * 1000 : leaves(newest),
  };
}

function liveSlots(fields: Iterable<readonly [string, number]>, kind: 'r' | 't', cur: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [field, value] of fields) {
    const slot = Number(field.slice(1));
    if (field[0] === kind && slot >= cur - SLOTS && value > 0) out.push([slot, value]);
  }
  return out;
}

/** Milliseconds until enough of the oldest slots leave the window for the count to drop below the limit. */
function retryIn(slots: Array<[number, number]>, total: number, limit: number | undefined, leaves: (slot: number) => number): number {
  if (limit === undefined || total < limit) return 0;
  slots.sort((x, y) => x[0] - y[0]);
  let left = total;
  for (const [slot, value] of slots) {
    left -= value;
    if (left < limit) return leaves(slot);
  }
  return 0;
}

/** The slot a write at `now` goes to. */
export function slotOf(now: number, b: QuotaBinding): number {
  return Math.floor(now / slotMs(b));
}
