// Approvals shared by every instance: a request held on one instance is released when a reviewer decides on any
// other. Records are JSON strings in Redis; a decision is a compare-and-set on the whole record (only a pending
// approval changes, concurrent deciders see `changed: false`) and is announced on a channel every instance hears.
// Every key carries one hash tag, so the index, the records and MULTI/MGET over them stay in one Cluster slot.
import { hashTag, type SharedRedis } from '../redis.js';
import { SluiceError } from '../errors.js';
import type { ApprovalStore, SettleResult } from './store.js';
import type { Approval, Settlement, StandingGrant } from './types.js';
import { MEMORY_STORE_DEFAULTS } from './store.js';

export interface RedisApprovalOptions {
  /** Shared connection (see src/redis.ts); the store does not close it. */
  redis: SharedRedis;
  keyPrefix: string;
  maxRecords?: number;
  retainMs?: number;
  onError?: (err: Error) => void;
}

// Replace the record only if it is still exactly what the caller read.
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`;

export interface RedisApprovalStore extends ApprovalStore {
  /** Resolves once the decision channel is subscribed (decisions made elsewhere reach this node's watchers). */
  ready: Promise<void>;
  closeAsync(): Promise<void>;
}

export async function createRedisApprovalStore(opts: RedisApprovalOptions): Promise<RedisApprovalStore> {
  const maxRecords = opts.maxRecords ?? MEMORY_STORE_DEFAULTS.maxRecords;
  const retainMs = opts.retainMs ?? MEMORY_STORE_DEFAULTS.retainMs;
  const client = opts.redis.cmd;
  const compareAndSet = opts.redis.script(COMPARE_AND_SET);
  let closed = false;

  const p = `${opts.keyPrefix}${hashTag('approvals')}`;
  const dataKey = (id: string) => `${p}approval:${id}`;
  const indexKey = `${p}approvals`;
  const dedupeKey = (k: string) => `${p}approval-key:${k}`;
  const grantKey = (job: string, rule: string) => `${p}grant:${job}\u0000${rule}`;
  const channel = `${p}approvals:decided`;
  const watchers = new Map<string, Set<(a: Approval) => void>>();

  async function read(id: string): Promise<{ raw: string; a: Approval } | undefined> {
    const raw = await client.get(dataKey(id));
    return raw === null ? undefined : { raw, a: JSON.parse(raw) as Approval };
  }

  const ready = opts.redis.subscribe(channel, (id) => {
    if (closed) return;
    const set = watchers.get(id);
    if (!set) return;
    void read(id).then((r) => {
      if (!r || r.a.status === 'pending') return;
      watchers.delete(id);
      for (const cb of set) cb(r.a);
    });
  });
  await ready;

  function settled(a: Approval, s: Settlement, at: number): Approval {
    const next: Approval = { ...a, status: s.status, decidedAt: at };
    if (s.status === 'approved' || s.status === 'denied') {
      next.reviewer = s.reviewer;
      next.comment = s.comment;
    }
    if (s.status === 'approved') next.grantMinutes = s.grantMinutes;
    return next;
  }

  async function settle(id: string, s: Settlement, at: number): Promise<SettleResult> {
    const cur = await read(id);
    if (!cur) return { changed: false, approval: undefined };
    if (cur.a.status !== 'pending') return { changed: false, approval: cur.a };
    const next = settled(cur.a, s, at);
    const ok = await compareAndSet.run([dataKey(id)], [cur.raw, JSON.stringify(next), String(retainMs)]);
    if (Number(ok) !== 1) return { changed: false, approval: (await read(id))?.a };
    await client.publish(channel, id);
    return { changed: true, approval: next };
  }

  async function all(): Promise<Approval[]> {
    const ids = await client.zRange(indexKey, 0, -1);
    if (ids.length === 0) return [];
    const raws = await client.mGet(ids.map(dataKey));
    const gone = ids.filter((_, i) => raws[i] === null);
    if (gone.length > 0) await client.zRem(indexKey, gone);
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Approval);
  }

  async function closeAsync(): Promise<void> {
    // The subscription lives on the shared connection, which its owner closes.
    closed = true;
    watchers.clear();
  }

  return {
    ready,
    async create(a, key) {
      if ((await client.zCard(indexKey)) >= maxRecords) {
        await all(); // drops index entries whose records expired
        if ((await client.zCard(indexKey)) >= maxRecords) {
          throw new SluiceError('SLUICE_OVERLOADED', 'Too many approvals are pending; try again later', { headers: { 'retry-after': '30' } });
        }
      }
      // Kept while pending and for the retention period after (settle refreshes the expiry).
      const ttl = Math.max(1, a.expiresAt - a.createdAt) + retainMs;
      const multi = client.multi().set(dataKey(a.id), JSON.stringify(a), { PX: ttl }).zAdd(indexKey, { score: a.createdAt, value: a.id });
      if (key !== undefined) multi.set(dedupeKey(key), a.id, { PX: ttl });
      await multi.exec();
    },
    get: async (id) => (await read(id))?.a,
    async list(filter = {}) {
      const limit = filter.limit ?? Infinity;
      return (await all()).filter((a) => filter.status === undefined || a.status === filter.status).slice(0, limit);
    },
    async findByKey(key) {
      const id = await client.get(dedupeKey(key));
      return id === null ? undefined : (await read(id))?.a;
    },
    settle,
    async recordUse(id) {
      // A use count is informational: a lost increment under a race does not change any decision.
      const cur = await read(id);
      if (cur) await client.set(dataKey(id), JSON.stringify({ ...cur.a, uses: cur.a.uses + 1 }), { KEEPTTL: true });
    },
    async addGrant(g: StandingGrant) {
      const raw = await client.get(grantKey(g.job, g.rule));
      if (raw !== null && (JSON.parse(raw) as StandingGrant).until >= g.until) return;
      await client.set(grantKey(g.job, g.rule), JSON.stringify(g), { PX: Math.max(1, g.until - Date.now()) });
    },
    async findGrant(job, rule, at) {
      const raw = await client.get(grantKey(job, rule));
      const g = raw === null ? undefined : (JSON.parse(raw) as StandingGrant);
      return g && g.until > at ? g : undefined;
    },
    async sweep(at) {
      const expired: Approval[] = [];
      for (const a of await all()) {
        if (a.status !== 'pending' || a.expiresAt > at) continue;
        const r = await settle(a.id, { status: 'expired' }, at);
        if (r.changed && r.approval) expired.push(r.approval);
      }
      return expired;
    },
    watch(id, cb) {
      let fired = false;
      const once = (a: Approval) => {
        if (fired) return;
        fired = true;
        cb(a);
      };
      let set = watchers.get(id);
      if (!set) watchers.set(id, (set = new Set()));
      set.add(once);
      // A decision announced before this watch was registered would be missed: look once now.
      void read(id).then((r) => {
        if (r && r.a.status !== 'pending' && watchers.get(id)?.has(once)) {
          watchers.get(id)!.delete(once);
          once(r.a);
        }
      });
      return function unwatch() {
        set.delete(once);
        if (set.size === 0) watchers.delete(id);
      };
    },
    close() {
      void closeAsync();
    },
    closeAsync,
  };
}
