// Quotas shared by every Sluice instance: fixed-window counters in Redis, checked and taken atomically by one
// Lua script per request, so N instances behind a load balancer enforce one limit.
import type { RedisClient } from '../redis.js';
import type { QuotaBinding, QuotaStore, CounterState } from './quota.js';
import { judge, rateLimitHeaders } from './quota.js';
import { SluiceError } from '../errors.js';

export interface RedisQuotaOptions {
  /** Shared connection (see src/redis.ts); the store does not close it. */
  client: RedisClient;
  keyPrefix: string;
  /** When Redis cannot answer: allow the request (and count the failure) rather than refuse all traffic. */
  failOpen: boolean;
  now?: () => number;
  onError?: (err: Error) => void;
}

// KEYS: one hash per binding and window. ARGV: per key, request limit, token limit (-1 = none), TTL seconds.
// Returns the counts before taking, then 1 when the request was taken (every binding had room).
const CHECK_AND_TAKE = `
local counts = {}
local room = true
for i, key in ipairs(KEYS) do
  local req = tonumber(redis.call('HGET', key, 'r') or '0')
  local tok = tonumber(redis.call('HGET', key, 't') or '0')
  counts[#counts + 1] = req
  counts[#counts + 1] = tok
  local rl = tonumber(ARGV[(i - 1) * 3 + 1])
  local tl = tonumber(ARGV[(i - 1) * 3 + 2])
  if (rl >= 0 and req >= rl) or (tl >= 0 and tok >= tl) then room = false end
end
if room then
  for i, key in ipairs(KEYS) do
    redis.call('HINCRBY', key, 'r', 1)
    redis.call('EXPIRE', key, tonumber(ARGV[(i - 1) * 3 + 3]))
  end
end
counts[#counts + 1] = room and 1 or 0
return counts
`;

export function createRedisQuotaStore(opts: RedisQuotaOptions): QuotaStore {
  const now = opts.now ?? Date.now;
  const client = opts.client;

  const windowOf = (b: QuotaBinding, t: number) => {
    const start = Math.floor(t / 1000 / b.windowSeconds) * b.windowSeconds;
    return { key: `${opts.keyPrefix}quota:${b.key}:${start}`, end: start + b.windowSeconds };
  };

  return {
    async check(bindings) {
      if (bindings.length === 0) return { allowed: true, headers: {} };
      const t = now();
      const windows = bindings.map((b) => windowOf(b, t));
      const args = bindings.flatMap((b, i) => [String(b.requests ?? -1), String(b.tokens ?? -1), String(Math.ceil(windows[i].end - t / 1000) + 1)]);
      let reply: number[];
      try {
        reply = (await client.eval(CHECK_AND_TAKE, { keys: windows.map((w) => w.key), arguments: args })) as number[];
      } catch (err) {
        opts.onError?.(err as Error);
        if (opts.failOpen) return { allowed: true, headers: {} };
        throw new SluiceError('SLUICE_OVERLOADED', 'Quota store unavailable; retry shortly', { headers: { 'retry-after': '1' }, cause: err });
      }
      const state: CounterState[] = bindings.map((b, i) => ({
        b,
        c: { requests: Number(reply[i * 2]), tokens: Number(reply[i * 2 + 1]), windowEnd: windows[i].end },
        resetIn: windows[i].end - t / 1000,
      }));
      // The script read and decided atomically, so the counts it returned explain its answer.
      if (Number(reply[reply.length - 1]) !== 1) return judge(state);
      for (const st of state) st.c.requests++;
      return { allowed: true, headers: rateLimitHeaders(state) };
    },
    async record(usage) {
      if (!(usage.tokens > 0)) return;
      const t = now();
      const multi = client.multi();
      for (const b of usage.bindings) {
        if (b.tokens === undefined) continue;
        const w = windowOf(b, t);
        multi.hIncrBy(w.key, 't', usage.tokens);
        multi.expire(w.key, Math.ceil(w.end - t / 1000) + 1);
      }
      try {
        await multi.exec();
      } catch (err) {
        opts.onError?.(err as Error);
      }
    },
  };
}
