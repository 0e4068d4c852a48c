// Pending approvals and standing grants behind a small async interface, so a Redis store can replace the
// in-memory one when several instances share approvals (DESIGN.md, "Scale"). The store is clock-free:
// callers pass the time, which keeps it deterministic under test and consistent across nodes.
import { SluiceError } from '../errors.js';
import type { Approval, ApprovalStatus, Settlement, StandingGrant } from './types.js';

export interface SettleResult {
  /** True when this call moved the approval out of `pending`. */
  changed: boolean;
  /** The approval as it is now (undefined when unknown). */
  approval: Approval | undefined;
}

export interface ApprovalStore {
  /** Throws SLUICE_OVERLOADED when the store is full of pending approvals. */
  create(a: Approval, dedupeKey?: string): Promise<void>;
  get(id: string): Promise<Approval | undefined>;
  /** Oldest first. */
  list(filter?: { status?: ApprovalStatus; limit?: number }): Promise<Approval[]>;
  /** The latest approval created with `dedupeKey`, while it is still stored. */
  findByKey(dedupeKey: string): Promise<Approval | undefined>;
  /** Compare-and-set: only a `pending` approval changes; concurrent deciders see `changed: false`. */
  settle(id: string, s: Settlement, at: number): Promise<SettleResult>;
  recordUse(id: string): Promise<void>;
  addGrant(g: StandingGrant): Promise<void>;
  findGrant(job: string, rule: string, at: number): Promise<StandingGrant | undefined>;
  /** Expires pending approvals past their deadline (returned, for audit) and drops settled ones past retention. */
  sweep(at: number): Promise<Approval[]>;
  /** `cb` runs whenever approval `id` leaves `pending` (on this node; Redis would use pub/sub). */
  watch(id: string, cb: (a: Approval) => void): () => void;
  close(): void;
}

export interface MemoryStoreOptions {
  /** All approvals kept, pending or settled. */
  maxRecords?: number;
  maxGrants?: number;
  /** How long settled approvals stay readable (and approved tickets redeemable). */
  retainMs?: number;
}

export const MEMORY_STORE_DEFAULTS = Object.freeze({ maxRecords: 10_000, maxGrants: 1_000, retainMs: 3_600_000 });

const copy = (a: Approval): Approval => structuredClone(a);

export function createMemoryApprovalStore(opts: MemoryStoreOptions = {}): ApprovalStore {
  const o = { ...MEMORY_STORE_DEFAULTS, ...opts };
  // Map keeps insertion order, i.e. creation order: eviction and listing walk it oldest first.
  const records = new Map<string, Approval>();
  const keyToId = new Map<string, string>();
  const idToKey = new Map<string, string>();
  const grants = new Map<string, StandingGrant>();
  const watchers = new Map<string, Set<(a: Approval) => void>>();

  function remove(id: string): void {
    records.delete(id);
    const key = idToKey.get(id);
    if (key !== undefined && keyToId.get(key) === id) keyToId.delete(key);
    idToKey.delete(id);
    watchers.delete(id);
  }

  /** Makes room by dropping the oldest settled approval; pending ones are never dropped. */
  function makeRoom(): void {
    if (records.size < o.maxRecords) return;
    for (const a of records.values()) {
      if (a.status !== 'pending') return remove(a.id);
    }
    throw new SluiceError('SLUICE_OVERLOADED', 'Too many approvals are pending; try again later', { headers: { 'retry-after': '30' } });
  }

  function apply(a: Approval, s: Settlement, at: number): void {
    a.status = s.status;
    a.decidedAt = at;
    if (s.status === 'approved' || s.status === 'denied') {
      a.reviewer = s.reviewer;
      a.comment = s.comment;
    }
    if (s.status === 'approved') a.grantMinutes = s.grantMinutes;
    const snapshot = copy(a);
    for (const cb of watchers.get(a.id) ?? []) cb(snapshot);
    watchers.delete(a.id);
  }

  return {
    async create(a, dedupeKey) {
      makeRoom();
      records.set(a.id, copy(a));
      if (dedupeKey !== undefined) {
        keyToId.set(dedupeKey, a.id);
        idToKey.set(a.id, dedupeKey);
      }
    },
    async get(id) {
      const a = records.get(id);
      return a && copy(a);
    },
    async list(filter = {}) {
      const limit = filter.limit ?? Infinity;
      const out: Approval[] = [];
      for (const a of records.values()) {
        if (out.length >= limit) break;
        if (filter.status === undefined || a.status === filter.status) out.push(copy(a));
      }
      return out;
    },
    async findByKey(key) {
      const id = keyToId.get(key);
      const a = id === undefined ? undefined : records.get(id);
      return a && copy(a);
    },
    async settle(id, s, at) {
      const a = records.get(id);
      if (!a) return { changed: false, approval: undefined };
      if (a.status !== 'pending') return { changed: false, approval: copy(a) };
      apply(a, s, at);
      return { changed: true, approval: copy(a) };
    },
    async recordUse(id) {
      const a = records.get(id);
      if (a) a.uses++;
    },
    async addGrant(g) {
      const key = `${g.job}\0${g.rule}`;
      const old = grants.get(key);
      if (old && old.until >= g.until) return;
      grants.delete(key);
      if (grants.size >= o.maxGrants) dropSoonestGrant();
      grants.set(key, { ...g });
    },
    async findGrant(job, rule, at) {
      const g = grants.get(`${job}\0${rule}`);
      if (!g) return undefined;
      if (g.until > at) return { ...g };
      grants.delete(`${job}\0${rule}`);
      return undefined;
    },
    async sweep(at) {
      const expired: Approval[] = [];
      for (const a of records.values()) {
        if (a.status === 'pending' && a.expiresAt <= at) {
          apply(a, { status: 'expired' }, at);
          expired.push(copy(a));
        } else if (a.status !== 'pending' && (a.decidedAt ?? a.createdAt) + o.retainMs <= at) {
          remove(a.id);
        }
      }
      for (const [k, g] of grants) if (g.until <= at) grants.delete(k);
      return expired;
    },
    watch(id, cb) {
      let set = watchers.get(id);
      if (!set) watchers.set(id, (set = new Set()));
      set.add(cb);
      return function unwatch() {
        set.delete(cb);
      };
    },
    close() {
      records.clear();
      keyToId.clear();
      idToKey.clear();
      grants.clear();
      watchers.clear();
    },
  };

  /** Full of grants: the one ending soonest goes (it has the least standing time left to lose). */
  function dropSoonestGrant(): void {
    let soonest: [string, StandingGrant] | undefined;
    for (const e of grants) if (!soonest || e[1].until < soonest[1].until) soonest = e;
    if (soonest) grants.delete(soonest[0]);
  }
}
