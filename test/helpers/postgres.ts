// A throwaway PostgreSQL server: initdb into a temp folder, started on a free loopback port. CI installs Debian's
// postgresql (see .ci/run). Without its binaries these helpers throw, so the tests that need PostgreSQL fail
// instead of skipping silently. As root (CI containers), the server runs as the `postgres` user (initdb refuses root).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.js';

export interface PgServer {
  url: string;
  port: number;
  /** SIGKILL (mid-load outage); `start` brings it back on the same port and data. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Runs SQL with psql as the superuser and returns stdout. */
  psql(sql: string): string;
  stop(): Promise<void>;
}

function binDir(): string {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [
    ...(fromConfig.status === 0 ? [fromConfig.stdout.trim()] : []),
    ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : []),
  ];
  const dir = candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
  if (!dir) throw new Error("PostgreSQL server binaries (initdb, postgres) not found: the audit store tests need Debian's postgresql (.ci/run installs it)");
  return dir;
}

/** Runs a command as the server's user: ourselves, or `postgres` when we are root. */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  return userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function serverUid(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startPostgres(): Promise<PgServer> {
  const bin = binDir();
  const root = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  const owner = serverUid();
  if (owner) chownSync(root, owner.uid, owner.gid);
  const [initCmd, initArgs] = asServerUser(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'sluice', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';

  async function start(): Promise<void> {
    const [cmd, args] = asServerUser(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=60']);
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout!.on('data', (d: Buffer) => (log = (log + d).slice(-4000)));
    c.stderr!.on('data', (d: Buffer) => (log = (log + d).slice(-4000)));
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      if (c.exitCode !== null) throw new Error(`postgres exited (${c.exitCode}): ${log}`);
      const ready = spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'sluice', '-d', 'postgres'], { encoding: 'utf8' });
      if (ready.status === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`postgres did not start within 30 s: ${log}`);
  }

  function stopChild(signal: NodeJS.Signals): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      c.once('exit', () => resolve());
      // As root, `c` is runuser and postgres its child. Kill postgres and let runuser reap it and exit: killing
      // runuser too would orphan a zombie postmaster whose pid still "holds" the socket lock file.
      if (signal === 'SIGKILL' && userInfo().uid === 0) spawnSync('pkill', ['-KILL', '-P', String(c.pid)]);
      else c.kill(signal);
    });
  }

  await start();
  return {
    url: `postgres://sluice@127.0.0.1:${port}/postgres`,
    port,
    async kill() {
      await stopChild('SIGKILL');
      // The postmaster's children (backends) die with it; wait until the port is free.
      const end = Date.now() + 10_000;
      while (Date.now() < end && spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0) await new Promise((r) => setTimeout(r, 100));
      rmSync(join(data, 'postmaster.pid'), { force: true });
    },
    start,
    psql(sql) {
      const r = spawnSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'sluice', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      await stopChild('SIGTERM');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
