// Quotas shared by every Sluice instance: sliding windows (src/policy/window.ts) in Redis, one hash per counter,
// checked and taken atomically by a Lua script called by SHA. Each counter is one key, so every script call touches
// one hash slot and counters spread over a Redis Cluster. A request bound by several counters takes each in turn
// (in parallel) and gives back what it took when any refuses: a counter never admits more than its limit, and a
// concurrent request may at worst be refused while a give-back is in flight.
import type { SharedRedis } from '../redis.js';
import type { QuotaBinding, QuotaStore, CounterState } from './quota.js';
import { judge, rateLimitHeaders } from './quota.js';
import { countWindow, slotMs, ttlMs, SLOTS } from './window.js';
import { SluiceError } from '../errors.js';

export interface RedisQuotaOptions {
  /** Shared connection (see src/redis.ts); the store does not close it. */
  redis: SharedRedis;
  keyPrefix: string;
  /** When Redis cannot answer: allow the request (and count the failure) rather than refuse all traffic. */
  failOpen: boolean;
  /** Clock for tests; by default the scripts read Redis's own clock (TIME), one clock for every instance. */
  now?: () => number;
  onError?: (err: Error) => void;
}

// Shared prologue: the time (ARGV[1], or Redis TIME when negative), the current slot, and the live fields of KEYS[1]
// (slots older than the window are deleted on the way).
const PROLOGUE = `
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local size = tonumber(ARGV[2])
local cur = math.floor(now / size)
local raw = redis.call('HGETALL', KEYS[1])
local live = {}
local req, tok = 0, 0
for i = 1, #raw, 2 do
  local f = raw[i]
  if tonumber(string.sub(f, 2)) < cur - ${SLOTS} then
    redis.call('HDEL', KEYS[1], f)
  else
    live[#live + 1] = f
    live[#live + 1] = raw[i + 1]
    if string.sub(f, 1, 1) == 'r' then req = req + tonumber(raw[i + 1]) else tok = tok + tonumber(raw[i + 1]) end
  end
end
`;

// ARGV: now, slot ms, request limit (-1 = none), token limit (-1 = none), TTL ms.
// Returns {taken (1/0), now, slot taken, live fields before taking}.
const TAKE = `${PROLOGUE}
local rl, tl = tonumber(ARGV[3]), tonumber(ARGV[4])
local room = not ((rl >= 0 and req >= rl) or (tl >= 0 and tok >= tl))
if room then
  redis.call('HINCRBY', KEYS[1], 'r' .. cur, 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
return {room and 1 or 0, now, cur, live}
`;

// ARGV: slot to give a request back to.
const GIVE_BACK = `
local f = 'r' .. ARGV[1]
if tonumber(redis.call('HGET', KEYS[1], f) or '0') > 0 then redis.call('HINCRBY', KEYS[1], f, -1) end
return 1
`;

// ARGV: now, slot ms, tokens, TTL ms.
const ADD_TOKENS = `${PROLOGUE}
redis.call('HINCRBY', KEYS[1], 't' .. cur, tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

// ARGV: micro-units to add, TTL ms.
const ADD_SPEND = `
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

type TakeReply = [number, number, number, string[]];

export function createRedisQuotaStore(opts: RedisQuotaOptions): QuotaStore {
  const take = opts.redis.script(TAKE);
  const giveBack = opts.redis.script(GIVE_BACK);
  const addTokens = opts.redis.script(ADD_TOKENS);
  const addSpend = opts.redis.script(ADD_SPEND);
  const clock = () => String(opts.now ? opts.now() : -1);
  const keyOf = (b: QuotaBinding) => `${opts.keyPrefix}quota:${b.key}`;

  function failed(err: unknown): { allowed: true; headers: Record<string, string> } {
    opts.onError?.(err as Error);
    if (opts.failOpen) return { allowed: true, headers: {} };
    throw new SluiceError('SLUICE_OVERLOADED', 'Quota store unavailable; retry shortly', { headers: { 'retry-after': '1' }, cause: err });
  }

  async function returnTaken(bindings: readonly QuotaBinding[], replies: Array<TakeReply | undefined>): Promise<void> {
    await Promise.all(
      replies.map((r, i) => (r && Number(r[0]) === 1 ? giveBack.run([keyOf(bindings[i])], [String(r[2])]).catch((err) => opts.onError?.(err as Error)) : undefined)),
    );
  }

  return {
    async check(bindings) {
      if (bindings.length === 0) return { allowed: true, headers: {} };
      const t = clock();
      const settled = await Promise.allSettled(
        bindings.map((b) => take.run([keyOf(b)], [t, String(slotMs(b)), String(b.requests ?? -1), String(b.tokens ?? -1), String(ttlMs(b))])),
      );
      const replies = settled.map((s) => (s.status === 'fulfilled' ? (s.value as TakeReply) : undefined));
      const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failure) {
        await returnTaken(bindings, replies);
        return failed(failure.reason);
      }
      const state: CounterState[] = bindings.map((b, i) => {
        const [, now, , live] = replies[i]!;
        return { b, w: countWindow(pairs(live), Number(now), b), now: Number(now) };
      });
      // Each script decided atomically on the counts it returned, so those counts explain the answer.
      if (replies.some((r) => Number(r![0]) !== 1)) {
        await returnTaken(bindings, replies);
        return judge(state);
      }
      // Headers describe the counters after this request, as the in-memory store's do.
      const after = state.map((st, i) => {
        const [, , slot, live] = replies[i]!;
        return { ...st, w: countWindow([...pairs(live), [`r${slot}`, 1]], st.now, st.b) };
      });
      return { allowed: true, headers: rateLimitHeaders(after) };
    },
    async spent(keys) {
      // One GET per key (not MGET): keys of one request may sit in different Cluster slots.
      try {
        const values = await Promise.all(keys.map((k) => opts.redis.cmd.get(`${opts.keyPrefix}${k}`)));
        return values.map((v) => Number(v ?? 0));
      } catch (err) {
        failed(err);
        return keys.map(() => 0);
      }
    },
    async addSpend(key, micros, ttlMs) {
      await addSpend.run([`${opts.keyPrefix}${key}`], [String(micros), String(Math.ceil(ttlMs))]).catch((err) => opts.onError?.(err as Error));
    },
    async record(usage) {
      if (!(usage.tokens > 0)) return;
      const t = clock();
      await Promise.all(
        usage.bindings
          .filter((b) => b.tokens !== undefined)
          .map((b) => addTokens.run([keyOf(b)], [t, String(slotMs(b)), String(usage.tokens), String(ttlMs(b))]).catch((err) => opts.onError?.(err as Error))),
      );
    },
  };
}

function pairs(flat: string[]): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], Number(flat[i + 1])]);
  return out;
}
