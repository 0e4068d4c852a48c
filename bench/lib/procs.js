// Child processes of the harness (Sluice, the mock, the baselines): started with a deadline, tracked,
// and always stopped — at the end, on an error, and on Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';

const live = new Set();
let hooked = false;

/** Children lead their own process group, so wrappers (nginx's) and what they spawn go down together. */
function signalGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    child.kill(sig);
  }
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', function killLeftovers() {
    for (const child of live) signalGroup(child, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, function stopAll() {
      process.stderr.write(`\nbench: ${sig}, stopping children\n`);
      for (const child of live) signalGroup(child, 'SIGTERM');
      setTimeout(() => process.exit(130), 1000).unref();
    });
  }
}

/** The informative part of a crashed child's stderr: no stack frames, the last few lines. */
function errorLines(stderr) {
  return stderr.trim().split('\n').filter((l) => !/^\s+at /.test(l) && l.trim() !== '').slice(-6).join('\n');
}

/**
 * Spawns `cmd args` and resolves once a stdout line matches `ready` (its first group is returned as
 * `url`). Rejects with the child's stderr tail if it exits or misses the deadline first.
 */
export function startChild(name, cmd, args, { ready = /^(https?:\/\/\S+)/, timeoutMs = 20_000, ipc = false, env } = {}) {
  hookExit();
  const child = spawn(cmd, args, {
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    env: env ?? process.env,
    detached: true,
  });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => live.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(`did not report ready within ${timeoutMs} ms`), timeoutMs);
    function fail(why) {
      clearTimeout(timer);
      signalGroup(child, 'SIGKILL');
      reject(new Error(`${name}: ${why}${stderr ? `\n${errorLines(stderr)}` : ''}`));
    }
    function onData(d) {
      out += d.toString();
      for (const line of out.split('\n')) {
        const m = ready.exec(line.trim());
        if (m) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          // $SLUICE_BENCH_CHILD_STDOUT=DIR keeps what a child prints once ready (e.g. --trace-gc) in DIR/<name>-<pid>.log.
          if (process.env.SLUICE_BENCH_CHILD_STDOUT) child.stdout.pipe(createWriteStream(join(process.env.SLUICE_BENCH_CHILD_STDOUT, `${name.replace(/[^\w.-]+/g, '_')}-${child.pid}.log`)));
          else child.stdout.resume();
          resolve(handle(name, child, m[1], exited));
          return;
        }
      }
      out = out.slice(-4000);
    }
    child.stdout.on('data', onData);
    child.once('error', (err) => fail(err.message));
    exited.then(({ code, signal }) => fail(`exited (${signal ?? `code ${code}`}) before it was ready`));
  });
}

function handle(name, child, url, exited) {
  return {
    name,
    url,
    pid: child.pid,
    child,
    /** SIGTERM, then SIGKILL if it has not gone after `graceMs`. */
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process in bytes from /proc (Linux); null elsewhere or when it is gone. */
export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

let clockTicks;
/** User + system CPU seconds of a process and all its threads, from /proc (Linux); null elsewhere or when gone. */
export function cpuSecondsOf(pid) {
  if (!pid) return null;
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    return (Number(f[11]) + Number(f[12])) / clockTicks;
  } catch {
    return null;
  }
}

/**
 * CPU seconds of `pid`'s main thread (the thread whose id is the pid: the event loop and what runs on it, with the
 * GC pauses of its isolate) and of all its other threads together (worker_threads, V8's helper threads, libuv's
 * pool: Node names them all alike). With --single-threaded-gc each isolate's GC runs on its own thread. null when
 * `pid` is gone or /proc is not there.
 */
export function cpuSecondsByThread(pid) {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const out = { main: 0, other: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out[Number(tid) === pid ? 'main' : 'other'] += (Number(f[11]) + Number(f[12])) / clockTicks;
      } catch {
        // the thread ended while listing
      }
    }
  } catch {
    return null;
  }
  return out;
}

/**
 * CPU seconds of `pid` and every process below it (nginx's master and workers under its wrapper shell), each
 * process counted with all its threads. null when `pid` is gone or /proc is not there.
 */
export function cpuSecondsOfTree(pid) {
  const own = cpuSecondsOf(pid);
  if (own === null) return null;
  let total = own;
  const children = new Map();
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (!children.has(ppid)) children.set(ppid, []);
        children.get(ppid).push(Number(name));
      } catch {
        // exited while listing
      }
    }
  } catch {
    return own;
  }
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop();
    total += cpuSecondsOf(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** Sends `request` to a child started with `ipc: true` and resolves with its first reply of type `replyType` (null on timeout). */
function askChild(handle, request, replyType, timeoutMs) {
  const child = handle.child;
  if (!child.connected) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), timeoutMs);
    function done(v) {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(v);
    }
    function onMessage(msg) {
      if (msg && msg.type === replyType) done(msg);
    }
    child.on('message', onMessage);
    child.send(request);
  });
}

/** Asks a child started with `ipc: true` for its event-loop utilisation and delay since the last `resetLoop`. */
export function askLoop(handle, { timeoutMs = 5000 } = {}) {
  return askChild(handle, { type: 'eld' }, 'eld', timeoutMs);
}

export function resetLoop(handle) {
  if (handle.child.connected) handle.child.send({ type: 'eld-reset' });
}

/** Asks a child started with `ipc: true` for its memory after an optional full GC (see sluice-child.js). */
export async function askMemory(handle, { gc = false, timeoutMs = 5000 } = {}) {
  const msg = await askChild(handle, { type: 'memory', gc }, 'memory', timeoutMs);
  return msg ? msg.memory : null;
}

/** A free loopback port (for children that cannot listen on port 0 and report it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
