// The verified-token cache at capacity: src/auth/lru.ts (a Map re-ordered on every hit) against lru-cache, which
// issue 16 suggested. lru-cache runs with a TTL per entry, as the token cache needs (entries expire with the token).
import { Bench } from 'tinybench';
import { LRUCache } from 'lru-cache';

const N = 10_000;

export async function run({ time }) {
  const { createExpiringLru } = await import('../../dist/auth/lru.js');
  const keys = Array.from({ length: N * 2 }, (_, i) => `sha256:${i.toString(16).padStart(60, '0')}`);
  const now = Date.now();
  const expires = now + 3_600_000;
  const own = createExpiringLru(N);
  const lib = new LRUCache({ max: N, ttl: 3_600_000 });
  for (let i = 0; i < N; i++) {
    own.set(keys[i], i, expires);
    lib.set(keys[i], i);
  }
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const bench = new Bench({ name: 'lru', time });
  bench
    .add('src/auth/lru.ts: hit, full (10k)', () => own.get(keys[a++ % N], now))
    .add('lru-cache: hit, full (10k)', () => lib.get(keys[b++ % N]))
    .add('src/auth/lru.ts: new key, evicts', () => own.set(keys[N + (c++ % N)], c, expires))
    .add('lru-cache: new key, evicts', () => lib.set(keys[N + (d++ % N)], d, { ttl: 3_600_000 }));
  await bench.run();
  if (own.size !== N || lib.size !== N) throw new Error('a cache is not at capacity: the rows would measure something else');
  return bench;
}
