// A bounded LRU whose entries also expire: Map keeps insertion order, so re-inserting on a hit makes
// the first key the least recently used one.

export interface ExpiringLru<V> {
  get(key: string, now: number): V | undefined;
  set(key: string, value: V, expiresAt: number): void;
  clear(): void;
  readonly size: number;
}

export function createExpiringLru<V>(maxEntries: number): ExpiringLru<V> {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get: function get(key, now) {
      const hit = entries.get(key);
      if (hit === undefined) return undefined;
      entries.delete(key);
      if (hit.expiresAt <= now) return undefined;
      entries.set(key, hit);
      return hit.value;
    },
    set: function set(key, value, expiresAt) {
      if (maxEntries === 0) return;
      entries.delete(key);
      entries.set(key, { value, expiresAt });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    clear: function clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
