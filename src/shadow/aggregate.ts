// Shadow calls folded by (source, host): the proxy's `GET /sluice/shadow` and the log scanner's report.
// Memory is bounded by the number of distinct pairs (and small caps inside each pair), never by traffic.
import type { ShadowAction } from './policy.js';

export interface Sighting {
  source: string;
  host: string;
  /** Milliseconds since the epoch, or undefined when the evidence carries no usable time. */
  time?: number;
  signatures: readonly string[];
  provider?: string;
  action?: ShadowAction;
  subject?: string;
}

export interface SummaryEntry {
  source: string;
  host: string;
  provider: string | null;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  signatures: string[];
  actions?: Partial<Record<ShadowAction, number>>;
  /** Identities seen from this source (proxy mode, when callers authenticate). */
  subjects?: string[];
}

export interface Aggregate {
  add(s: Sighting): void;
  /** Entries by count (descending), then source and host. */
  entries(): SummaryEntry[];
  /** Every sighting added, including those whose pair could not be kept. */
  readonly total: number;
  /** Sightings not kept because `maxPairs` distinct pairs were already held. */
  readonly dropped: number;
}

interface Slot {
  source: string;
  host: string;
  provider: string | null;
  count: number;
  first: number;
  last: number;
  signatures: Set<string>;
  actions: Partial<Record<ShadowAction, number>>;
  subjects: Set<string>;
}

const SET_CAP = 16;

export function createAggregate(maxPairs = 100_000): Aggregate {
  const slots = new Map<string, Slot>();
  let total = 0;
  let dropped = 0;

  function add(s: Sighting): void {
    total++;
    const key = `${s.source}\u0000${s.host}`;
    let slot = slots.get(key);
    if (!slot) {
      if (slots.size >= maxPairs) {
        dropped++;
        return;
      }
      slot = { source: s.source, host: s.host, provider: s.provider ?? null, count: 0, first: Infinity, last: -Infinity, signatures: new Set(), actions: {}, subjects: new Set() };
      slots.set(key, slot);
    }
    slot.count++;
    if (s.time !== undefined && Number.isFinite(s.time)) {
      if (s.time < slot.first) slot.first = s.time;
      if (s.time > slot.last) slot.last = s.time;
    }
    slot.provider ??= s.provider ?? null;
    for (const id of s.signatures) if (slot.signatures.size < SET_CAP) slot.signatures.add(id);
    if (s.action) slot.actions[s.action] = (slot.actions[s.action] ?? 0) + 1;
    if (s.subject && slot.subjects.size < SET_CAP) slot.subjects.add(s.subject);
  }

  function entries(): SummaryEntry[] {
    const out: SummaryEntry[] = [];
    for (const s of slots.values()) {
      const e: SummaryEntry = {
        source: s.source,
        host: s.host,
        provider: s.provider,
        count: s.count,
        firstSeen: Number.isFinite(s.first) ? new Date(s.first).toISOString() : null,
        lastSeen: Number.isFinite(s.last) ? new Date(s.last).toISOString() : null,
        signatures: [...s.signatures].sort(),
      };
      if (Object.keys(s.actions).length) e.actions = { ...s.actions };
      if (s.subjects.size) e.subjects = [...s.subjects].sort();
      out.push(e);
    }
    return out.sort((a, b) => b.count - a.count || a.source.localeCompare(b.source) || a.host.localeCompare(b.host));
  }

  return {
    add,
    entries,
    get total() {
      return total;
    },
    get dropped() {
      return dropped;
    },
  };
}
