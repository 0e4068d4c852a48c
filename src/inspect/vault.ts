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
  session: string;
  token: string;
}

/** Bounded, expiring, single-node vault (a Map in insertion order doubles as the eviction queue). */
export interface MemoryVault extends TokenVault {
  size(): number;
  /** Every live token of a session (what an HTTP thread preloads before relaying a response). */
  entriesOf(session: string): Map<string, string>;
}

export function createMemoryVault(opts: MemoryVaultOptions = {}): MemoryVault {
  const maxEntries = opts.maxEntries ?? MEMORY_VAULT_DEFAULTS.maxEntries;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('maxEntries must be a positive integer');
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  /** Tokens per session, so one session's entries are found without a scan. */
  const sessions = new Map<string, Set<string>>();
  const keyOf = (session: string, token: string): string => `${session}\u0000${token}`;

  function remove(k: string, e: Entry): void {
    entries.delete(k);
    const tokens = sessions.get(e.session);
    if (!tokens) return;
    tokens.delete(e.token);
    if (tokens.size === 0) sessions.delete(e.session);
  }

  function evict(): void {
    const t = now();
    for (const [k, e] of entries) {
      if (entries.size <= maxEntries && e.expires > t) break;
      remove(k, e);
    }
  }

  return {
    put: function put(session, token, value, ttlMs) {
      const k = keyOf(session, token);
      entries.delete(k);
      entries.set(k, { value, expires: now() + ttlMs, session, token });
      let tokens = sessions.get(session);
      if (!tokens) sessions.set(session, (tokens = new Set()));
      tokens.add(token);
      evict();
    },
    get: function get(session, token) {
      const k = keyOf(session, token);
      const e = entries.get(k);
      if (!e) return undefined;
      if (e.expires <= now()) {
        remove(k, e);
        return undefined;
      }
      return e.value;
    },
    entriesOf: function entriesOf(session) {
      const out = new Map<string, string>();
      const t = now();
      for (const token of sessions.get(session) ?? []) {
        const e = entries.get(keyOf(session, token));
        if (e && e.expires > t) out.set(token, e.value);
      }
      return out;
    },
    size: function size() {
      return entries.size;
    },
  };
}
