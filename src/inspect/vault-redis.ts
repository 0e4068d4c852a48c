// The token vault shared by every instance: one Redis hash per session (token → original value), expiring with
// the session. Restoring tokens in a streamed response must not wait on the network per token, so the gateway
// preloads a session's tokens once before it relays the response.
import type { SharedRedis } from '../redis.js';
import type { TokenVault } from './vault.js';

export interface RedisVaultOptions {
  /** Shared connection (see src/redis.ts); the vault does not close it. */
  redis: SharedRedis;
  keyPrefix: string;
  onError?: (err: Error) => void;
}

export interface RedisVault extends TokenVault {
  /** Every token of a session (empty when Redis is unreachable: tokens then stay unrestored, never leak). */
  preload(session: string): Promise<Map<string, string>>;
}

export function createRedisVault(opts: RedisVaultOptions): RedisVault {
  const client = opts.redis.cmd;
  // One key per session: every call touches one hash slot.
  const keyOf = (session: string) => `${opts.keyPrefix}vault:${session}`;

  return {
    async put(session, token, value, ttlMs) {
      try {
        await client.multi().hSet(keyOf(session), token, value).pExpire(keyOf(session), ttlMs).exec();
      } catch (err) {
        opts.onError?.(err as Error);
      }
    },
    async get(session, token) {
      try {
        return (await client.hGet(keyOf(session), token)) ?? undefined;
      } catch (err) {
        opts.onError?.(err as Error);
        return undefined;
      }
    },
    async preload(session) {
      try {
        return new Map(Object.entries(await client.hGetAll(keyOf(session))));
      } catch (err) {
        opts.onError?.(err as Error);
        return new Map();
      }
    },
  };
}
