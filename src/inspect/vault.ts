// Tokenization vault: token → original value per session, so Sluice (and only Sluice) can restore
// tokens in responses. The interface allows an async store (Redis) for multi-node deployments.
export interface TokenVault {
  put(session: string, token: string, value: string, ttlMs: number): void | Promise<void>;
  get(session: string, token: string): string | undefined | Promise<string | undefined>;
}

export interface MemoryVaultOptions {
  /** Most entries kept; the oldest are evicted first. */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export const MEMORY_VAULT_DEFAULTS = Object.freeze({ maxEntries: 100_000 });

interface Entry {
  value: string;
  expires: number;
}

/** Bounded, expiring, single-node vault (a Map in insertion order doubles as the eviction queue). */
export function createMemoryVault(opts: MemoryVaultOptions = {}): TokenVault & { size(): number } {
  const maxEntries = opts.maxEntries ?? MEMORY_VAULT_DEFAULTS.maxEntries;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('maxEntries must be a positive integer');
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const keyOf = (session: string, token: string): string => `${session}\u0000${token}`;

  function evict(): void {
    const t = now();
    for (const [k, e] of entries) {
      if (entries.size <= maxEntries && e.expires > t) break;
      entries.delete(k);
    }
  }

  return {
    put: function put(session, token, value, ttlMs) {
      const k = keyOf(session, token);
      entries.delete(k);
      entries.set(k, { value, expires: now() + ttlMs });
      evict();
    },
    get: function get(session, token) {
      const k = keyOf(session, token);
      const e = entries.get(k);
      if (!e) return undefined;
      if (e.expires <= now()) {
        entries.delete(k);
        return undefined;
      }
      return e.value;
    },
    size: function size() {
      return entries.size;
    },
  };
}
