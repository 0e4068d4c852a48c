// Throwaway Redis deployments on free loopback ports: one server, a Sentinel-managed primary + replica, or a
// multi-process Redis Cluster. CI installs Debian's redis-server (see .ci/run). Without it these helpers throw, so
// the tests that need Redis fail instead of skipping silently.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function requireRedis(): void {
  const ok = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!ok) throw new Error("redis-server is not installed: the shared-store tests need Debian's redis-server (.ci/run installs it)");
}

export async function freePort(maxPort = 65535): Promise<number> {
  for (;;) {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as { port: number };
    await new Promise((r) => srv.close(r));
    if (port <= maxPort) return port;
  }
}

/** A free port whose cluster-bus twin (port + 10000) is free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort(55535);
    const bus = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      bus.once('error', () => resolve(false));
      bus.listen(port + 10000, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      await new Promise((r) => bus.close(r));
      return port;
    }
  }
}

function spawnRedis(args: string[], ready: string): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes(ready)) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-2000)}`)));
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

const EPHEMERAL = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

export async function startRedis(extra: string[] = []): Promise<RedisServer> {
  requireRedis();
  const port = await freePort();
  // Its own directory: a replica or a SHUTDOWN may still write an RDB file, never into the work tree.
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-'));
  const child = await spawnRedis(['--port', String(port), ...EPHEMERAL, '--dir', dir, ...extra], 'Ready to accept connections');
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs redis-cli against a node and returns its stdout (throws on a non-zero exit). */
export function cli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function safe(f: () => string): string {
  try {
    return f();
  } catch (err) {
    return String(err);
  }
}

async function until(what: string | (() => string), ms: number, test: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (test()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
}

export interface RedisCluster {
  /** Seed URLs of every node. */
  nodes: string[];
  ports: number[];
  /** The port of the primary that serves `key` now. */
  primaryFor(key: string): number;
  /** Promotes the replica of the primary serving `key` (CLUSTER FAILOVER) and waits until the cluster agrees. */
  failover(key: string): Promise<{ from: number; to: number }>;
  /** Kills (SIGKILL) the primary serving `key` and waits until its replica has taken over. */
  killPrimary(key: string): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

/** `primaries` shards with one replica each, on loopback, with a short node timeout so failover is quick. */
export async function startRedisCluster(primaries = 3): Promise<RedisCluster> {
  requireRedis();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < primaries * 2; i++) ports.push(await freeClusterPort());
  const children = new Map<number, ChildProcess>();
  const starting: Array<Promise<unknown>> = [];
  try {
    await Promise.all(
      ports.map(async (port) => {
        // No diskless-sync delay (5 s by default): replicas get their first copy at once instead of after the
        // manual-failover timeout (also 5 s).
        const args = ['--port', String(port), ...EPHEMERAL, '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0', '--repl-diskless-sync-delay', '0'];
        const spawned = spawnRedis(args, 'Ready to accept connections');
        starting.push(spawned);
        children.set(port, await spawned);
      }),
    );
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await until('the cluster to be ok on every node', 20_000, () => ports.every((p) => cli(p, 'cluster', 'info').includes('cluster_state:ok')));
    // cluster_state:ok says nothing about replication: a CLUSTER FAILOVER issued while a replica still waits for its
    // first copy can promote it without the writes made before (reproduced under CPU load: the failover test's two
    // earlier requests were gone on the new primary).
    await until('every replica to finish its initial sync', 20_000, () =>
      ports.every((p) => {
        const info = cli(p, 'info', 'replication');
        return info.includes('role:master') || info.includes('master_link_status:up');
      }),
    );
  } catch (err) {
    // One node failing to start must not leave the others running: wait for every spawn to settle first.
    await Promise.allSettled(starting);
    for (const c of children.values()) await stopChild(c, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const alive = () => ports.filter((p) => children.get(p)!.exitCode === null && children.get(p)!.signalCode === null);

  function primaryFor(key: string): number {
    const any = alive()[0];
    const slot = Number(cli(any, 'cluster', 'keyslot', key).trim());
    for (const line of cli(any, 'cluster', 'nodes').split('\n')) {
      const f = line.trim().split(' ');
      if (f.length < 8 || !f[2].includes('master') || f[2].includes('fail')) continue;
      if (ownsSlot(line, slot)) return Number(f[1].split('@')[0].split(':').pop());
    }
    throw new Error(`no live primary serves slot ${slot}`);
  }

  function replicaOf(primary: number): number {
    const id = cli(primary, 'cluster', 'myid').trim();
    for (const p of alive()) {
      if (p === primary) continue;
      const line = cli(p, 'cluster', 'nodes').split('\n').find((l) => l.includes('myself'));
      if (line && line.split(' ')[3] === id) return p;
    }
    throw new Error(`no replica of ${primary}`);
  }

  async function settled(to: number): Promise<void> {
    await until(() => `node ${to} to serve as primary everywhere; it says:\n${safe(() => cli(to, 'cluster', 'nodes'))}`, 20_000, () => {
      if (cli(to, 'role').split('\n')[0].trim() !== 'master') return false;
      return alive().every((p) => cli(p, 'cluster', 'info').includes('cluster_state:ok') && cli(p, 'cluster', 'nodes').split('\n').some((l) => l.includes(`:${to}@`) && l.includes('master')));
    });
  }

  return {
    nodes: ports.map((p) => `redis://127.0.0.1:${p}`),
    ports,
    primaryFor,
    async failover(key) {
      const from = primaryFor(key);
      const to = replicaOf(from);
      cli(to, 'cluster', 'failover');
      await settled(to);
      return { from, to };
    },
    async killPrimary(key) {
      const from = primaryFor(key);
      const to = replicaOf(from);
      await stopChild(children.get(from)!, 'SIGKILL');
      await settled(to);
      return { from, to };
    },
    async stop() {
      await Promise.all([...children.values()].map((c) => stopChild(c)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ownsSlot(nodeLine: string, slot: number): boolean {
  for (const part of nodeLine.trim().split(' ').slice(8)) {
    if (part.startsWith('[')) continue;
    const [a, b] = part.split('-').map(Number);
    if (slot >= a && slot <= (b ?? a)) return true;
  }
  return false;
}

export interface RedisSentinelSetup {
  /** The sentinel's URL (what Sluice is configured with). */
  sentinels: string[];
  masterName: string;
  primaryPort(): number;
  /** SENTINEL FAILOVER, then waits until the sentinel names the other server as primary. */
  failover(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

/** A primary, one replica and one sentinel (quorum 1). */
export async function startRedisSentinel(): Promise<RedisSentinelSetup> {
  requireRedis();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-sentinel-'));
  const children: ChildProcess[] = [];
  const masterName = 'sluice-primary';
  try {
    const [p1, p2, s] = [await freePort(), await freePort(), await freePort()];
    children.push(await spawnRedis(['--port', String(p1), ...EPHEMERAL, '--dir', dir], 'Ready to accept connections'));
    children.push(await spawnRedis(['--port', String(p2), ...EPHEMERAL, '--dir', dir, '--replicaof', '127.0.0.1', String(p1)], 'Ready to accept connections'));
    await until('the replica to sync', 10_000, () => cli(p2, 'info', 'replication').includes('master_link_status:up'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${s}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${p1} 1`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        '',
      ].join('\n'),
    );
    children.push(await spawnRedis([conf, '--sentinel'], 'Sentinel ID is'));
    await until('the sentinel to see the replica', 15_000, () => /num-slaves\r?\n1\b/.test(cli(s, 'sentinel', 'master', masterName)));
    const primaryPort = () => Number(cli(s, 'sentinel', 'get-master-addr-by-name', masterName).trim().split('\n')[1]);
    return {
      sentinels: [`redis://127.0.0.1:${s}`],
      masterName,
      primaryPort,
      async failover() {
        const from = primaryPort();
        cli(s, 'sentinel', 'failover', masterName);
        await until('the sentinel to promote the replica', 20_000, () => primaryPort() !== from && cli(primaryPort(), 'role').startsWith('master'));
        // Until the old primary is demoted it still takes writes that the new one never sees (Redis replication is
        // asynchronous): wait for the demotion, so the tests measure the client's switch, not that window.
        await until('the old primary to become a replica', 20_000, () => cli(from, 'role').startsWith('slave'));
        return { from, to: primaryPort() };
      },
      async stop() {
        await Promise.all(children.map((c) => stopChild(c)));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(children.map((c) => stopChild(c, 'SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
