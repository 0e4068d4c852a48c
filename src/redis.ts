// One Redis connection for every shared store (quotas, token vault, approvals).
import { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * Connects once. No offline queue: while Redis is unreachable a command fails at once (each store then fails open
 * or closed) instead of holding the request until a reconnect.
 */
export async function connectRedis(url: string, onError: (err: Error) => void = () => {}): Promise<RedisClient> {
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 5_000, reconnectStrategy: (n) => Math.min(n * 100, 2_000) } });
  client.on('error', onError);
  await client.connect();
  return client;
}

export async function closeRedis(client: { isReady: boolean; close(): Promise<void>; destroy(): void }): Promise<void> {
  if (client.isReady) await client.close().catch(() => client.destroy());
  else client.destroy();
}
