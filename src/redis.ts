// One Redis connection for every shared store (quotas, token vault, approvals): a single server, a Sentinel-managed
// primary, or a Redis Cluster. The stores see one small surface (`SharedRedis`) whatever the mode.
import { createHash } from 'node:crypto';
import { createClient, createCluster, createSentinel } from 'redis';

export type RedisMode = 'single' | 'sentinel' | 'cluster';

export interface RedisConnectConfig {
  mode: RedisMode;
  /** single: the server's URL (redis:// or rediss://). */
  url?: string;
  /** cluster: seed nodes; sentinel: the sentinels. URLs; credentials in the first one apply to every connection. */
  nodes?: string[];
  /** sentinel: the monitored primary's name. */
  masterName?: string;
}

type Client = ReturnType<typeof createClient>;

/**
 * The commands the stores use, with node-redis's signatures. Cluster and Sentinel objects accept the same calls;
 * in a cluster every multi-key call and MULTI must name keys of one hash slot (the stores use hash tags for that).
 */
export type RedisCommands = Pick<
  Client,
  'get' | 'set' | 'del' | 'mGet' | 'hGet' | 'hGetAll' | 'zRange' | 'zRem' | 'zCard' | 'zAdd' | 'publish' | 'multi' | 'eval' | 'evalSha'
>;

export interface RedisScript {
  readonly sha: string;
  /** EVALSHA; on NOSCRIPT (a node that never saw it: first use, a restart, a promoted replica) EVAL, which caches it. */
  run(keys: string[], args: string[]): Promise<unknown>;
}

export interface SharedRedis {
  readonly mode: RedisMode;
  readonly cmd: RedisCommands;
  /** A Lua script, hashed once here and called by SHA. */
  script(lua: string): RedisScript;
  /** Listens on a channel (single mode opens one extra connection for it; Cluster and Sentinel manage their own). */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  readonly isReady: boolean;
  /** NOSCRIPT replies answered by a full EVAL (tests and metrics: should stay near the number of nodes). */
  readonly scriptReloads: number;
  close(): Promise<void>;
}

const SOCKET = { connectTimeout: 5_000, reconnectStrategy: (n: number) => Math.min(n * 100, 2_000) };

/**
 * Connects once. No offline queue: while Redis is unreachable a command fails at once (each store then fails open
 * or closed) instead of holding the request until a reconnect.
 */
export async function connectRedis(cfg: RedisConnectConfig | string, onError: (err: Error) => void = () => {}): Promise<SharedRedis> {
  const c: RedisConnectConfig = typeof cfg === 'string' ? { mode: 'single', url: cfg } : cfg;
  if (c.mode === 'cluster') return connectCluster(c, onError);
  if (c.mode === 'sentinel') return connectSentinel(c, onError);
  const client = createClient({ url: c.url, disableOfflineQueue: true, socket: SOCKET });
  client.on('error', onError);
  await client.connect();
  let subscriber: Client | undefined;
  return shared('single', client as unknown as RedisCommands, {
    async subscribe(channel, listener) {
      if (!subscriber) {
        subscriber = client.duplicate();
        subscriber.on('error', onError);
        await subscriber.connect();
      }
      await subscriber.subscribe(channel, listener);
    },
    isReady: () => client.isReady,
    async close() {
      if (subscriber) await closeClient(subscriber);
      await closeClient(client);
    },
  });
}

async function connectCluster(c: RedisConnectConfig, onError: (err: Error) => void): Promise<SharedRedis> {
  const nodes = requireNodes(c);
  const creds = credentials(nodes[0]);
  const cluster = createCluster({
    rootNodes: nodes.map((url) => ({ url })),
    defaults: { ...creds, disableOfflineQueue: true, socket: SOCKET },
  });
  cluster.on('error', onError);
  await cluster.connect();
  const watch = watchTopology(cluster, onError);
  return shared('cluster', cluster as unknown as RedisCommands, {
    subscribe: (channel, listener) => cluster.subscribe(channel, listener),
    isReady: () => cluster.isOpen,
    async close() {
      watch.stop();
      await cluster.close().catch(() => cluster.destroy());
    },
  });
}

async function connectSentinel(c: RedisConnectConfig, onError: (err: Error) => void): Promise<SharedRedis> {
  const nodes = requireNodes(c);
  if (!c.masterName) throw new Error('sentinel mode needs masterName');
  const creds = credentials(nodes[0]);
  const sentinel = createSentinel({
    name: c.masterName,
    sentinelRootNodes: nodes.map((url) => {
      const u = new URL(url);
      return { host: u.hostname, port: Number(u.port || 26379) };
    }),
    nodeClientOptions: { ...creds, disableOfflineQueue: true, socket: SOCKET },
    sentinelClientOptions: { ...creds, socket: SOCKET },
  });
  sentinel.on('error', onError);
  await sentinel.connect();
  return shared('sentinel', sentinel as unknown as RedisCommands, {
    async subscribe(channel, listener) {
      await sentinel.subscribe(channel, listener);
    },
    isReady: () => sentinel.isReady,
    async close() {
      await sentinel.close().catch(() => sentinel.destroy());
    },
  });
}

type Cluster = ReturnType<typeof createCluster>;

/**
 * node-redis refreshes a cluster's slot map only when a node answers MOVED; a primary that died answers nothing, so
 * its slots would fail until restart. While any primary's connection is down, re-read the topology every
 * TOPOLOGY_RETRY_MS: once the cluster has promoted a replica the client routes those slots to it.
 */
const TOPOLOGY_RETRY_MS = 500;

function watchTopology(cluster: Cluster, onError: (err: Error) => void): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const healthy = () => cluster.masters.every((m) => m.client?.isReady === true);
  const tick = async () => {
    timer = undefined;
    if (stopped || healthy()) return;
    const live = cluster.masters.find((m) => m.client?.isReady)?.client;
    try {
      // Starts from a live node and falls back to the configured seed nodes.
      if (live) await cluster._slots.rediscover(live as never);
    } catch (err) {
      onError(err as Error);
    }
    schedule();
  };
  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => void tick(), TOPOLOGY_RETRY_MS);
    timer.unref();
  };
  cluster.on('node-error', schedule);
  cluster.on('node-disconnect', schedule);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

interface ModeParts {
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  isReady(): boolean;
  close(): Promise<void>;
}

/**
 * Longest a store waits for one command. A cluster client waits for a connection to a node that is being (re)opened
 * rather than failing at once, so a dead primary would otherwise hold requests until its replica is promoted.
 */
export const COMMAND_TIMEOUT_MS = 1_000;

function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Every command method answers or fails within `ms` (MULTI builders are passed through; their exec is not bounded). */
function bounded(cmd: RedisCommands, ms: number): RedisCommands {
  return new Proxy(cmd, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === 'multi') return (v as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown).apply(target, args);
        return out instanceof Promise ? deadline(out, ms) : out;
      };
    },
  });
}

function shared(mode: RedisMode, raw: RedisCommands, parts: ModeParts): SharedRedis {
  const cmd = bounded(raw, COMMAND_TIMEOUT_MS);
  let reloads = 0;
  let closed: Promise<void> | undefined;
  return {
    mode,
    cmd,
    script(lua) {
      const sha = createHash('sha1').update(lua).digest('hex');
      return {
        sha,
        async run(keys, args) {
          try {
            return await cmd.evalSha(sha, { keys, arguments: args });
          } catch (err) {
            if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
            reloads++;
            return cmd.eval(lua, { keys, arguments: args });
          }
        },
      };
    },
    subscribe: parts.subscribe,
    get isReady() {
      return parts.isReady();
    },
    get scriptReloads() {
      return reloads;
    },
    close: () => (closed ??= parts.close()),
  };
}

function requireNodes(c: RedisConnectConfig): string[] {
  if (!c.nodes || c.nodes.length === 0) throw new Error(`${c.mode} mode needs at least one node URL`);
  return c.nodes;
}

function credentials(url: string): { username?: string; password?: string } {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

async function closeClient(client: { isReady: boolean; close(): Promise<void>; destroy(): void }): Promise<void> {
  if (client.isReady) await client.close().catch(() => client.destroy());
  else client.destroy();
}

/** A hash tag: every key that carries the same tag lands in one cluster slot (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags). */
export function hashTag(text: string): string {
  return `{${text.replace(/[{}]/g, '_')}}`;
}
