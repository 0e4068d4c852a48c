// `node bench/cpu.js [--requests 20000] [--connections 50] [--repeat 3] [--targets naive,sluice] [--threads 1,2] [--profile DIR]`:
// CPU µs per request of each target (user+system of every thread of its process, from /proc/PID/stat), the same
// bodies and load for each, rounds interleaved so drift on a shared machine hits every target alike. With
// `--profile DIR` Sluice runs under --cpu-prof and the hottest functions and files are printed (self time, µs per
// request). `--threads 1,2` runs one Sluice per `server.threads` value (sluice-t1, sluice-t2) in place of `sluice`,
// in the same interleaved rounds; $SLUICE_BENCH_NODE_FLAGS adds Node/V8 flags to every Sluice (e.g. --single-threaded-gc).
// Each round also splits the CPU by thread (main, other); $SLUICE_BENCH_CHILD_STDOUT=DIR keeps what the
// children print (e.g. with --trace-gc) in DIR.
// The quick loop for work on the request path; `npm run bench` is the full comparison.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { poolFor, postChat, warmUp } from './lib/client.js';
import { chatBodies } from './lib/payload.js';
import { cpuSecondsByThread, cpuSecondsOf } from './lib/procs.js';
import { startStack } from './lib/stack.js';

const { values: v } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '50' },
    repeat: { type: 'string', default: '3' },
    targets: { type: 'string', default: 'naive,sluice' },
    profile: { type: 'string' },
    cell: { type: 'string', multiple: true },
    strace: { type: 'boolean' },
    compare: { type: 'string', multiple: true },
    threads: { type: 'string' },
  },
});
const requests = Number(v.requests);
const connections = Number(v.connections);
const repeat = Number(v.repeat);
const log = (s) => process.stdout.write(`${s}\n`);

const cell = {};
for (const kv of v.cell ?? []) {
  const i = kv.indexOf('=');
  const raw = kv.slice(i + 1);
  cell[kv.slice(0, i)] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
}
if (v.profile) {
  mkdirSync(resolve(v.profile), { recursive: true });
  process.env.SLUICE_CPU_PROF = resolve(v.profile);
}
const threadCounts = v.threads ? v.threads.split(',').map(Number) : [];
const stack = await startStack({ targets: v.targets.split(',').filter((t) => !(threadCounts.length && t === 'sluice')), latencyMs: 0, cell }, log);
for (const n of threadCounts) {
  const { sluiceTarget } = await import('./lib/targets.js');
  const t = await sluiceTarget(stack.sluiceFiles.write({ ...cell, 'server.threads': n }), stack.token, `sluice-t${n}`);
  log(`  ${t.name}: ${t.url} (pid ${t.proc.pid})`);
  stack.targets.push(t);
}
// `--compare DIR`: another build of Sluice (DIR/dist, DIR/bench/lib/sluice-child.js) measured beside this one.
// With `--threads`, one per value (sluice@DIR-t1, …).
for (const dir of v.compare ?? []) {
  const { startChild } = await import('./lib/procs.js');
  for (const n of threadCounts.length ? threadCounts : [undefined]) {
    const name = n === undefined ? `sluice@${dir}` : `sluice@${dir}-t${n}`;
    const file = stack.sluiceFiles.write(n === undefined ? cell : { ...cell, 'server.threads': n });
    const proc = await startChild(name, process.execPath, [...(process.env.SLUICE_BENCH_NODE_FLAGS ? process.env.SLUICE_BENCH_NODE_FLAGS.split(' ') : []), '--expose-gc', join(resolve(dir), 'bench/lib/sluice-child.js'), file], { ipc: true, timeoutMs: 30_000 });
    stack.targets.push({ name, url: proc.url, headers: { authorization: `Bearer ${stack.token}` }, proc });
  }
}
const sluicePids = stack.targets.filter((t) => t.name === 'sluice' || t.name.startsWith('sluice-t')).map((t) => t.proc.pid);
const bodies = chatBodies();
const results = new Map();
try {
  for (let round = 0; round < repeat; round++) {
    for (const target of stack.targets) {
      if (target.name === 'direct' && !v.targets.split(',').includes('direct')) continue;
      if (target.name.startsWith('sluice@') && round === 0) log(`  ${target.name}: pid ${target.proc.pid}`);
      const pool = poolFor(target, connections);
      await warmUp(pool, target, bodies, { requests: 500, concurrency: Math.min(connections, 32) });
      const tracer = v.strace ? await startStrace(target.proc.pid) : undefined;
      const cpu0 = cpuSecondsOf(target.proc.pid);
      const split0 = cpuSecondsByThread(target.proc.pid);
      const t0 = performance.now();
      const r = await runUntil(pool, target, requests);
      const cpu1 = cpuSecondsOf(target.proc.pid);
      const split1 = cpuSecondsByThread(target.proc.pid);
      await pool.close();
      if (tracer) log(`${target.name}: syscalls per request\n${await tracer.stop(r.ok)}`);
      const us = ((cpu1 - cpu0) * 1e6) / r.ok;
      // Where the CPU went: the main thread (the audit chain's owner with HTTP threads), every other thread together.
      const split = split0 && split1 ? Object.fromEntries(Object.keys(split0).map((k) => [k, ((split1[k] - split0[k]) * 1e6) / r.ok])) : undefined;
      const list = results.get(target.name) ?? [];
      list.push({ us, rps: r.ok / ((performance.now() - t0) / 1000), failed: r.failed, split });
      results.set(target.name, list);
      const splitText = split ? `  (main ${split.main.toFixed(0)}, other ${split.other.toFixed(0)})` : '';
      log(`round ${round + 1} ${target.name.padEnd(12)} ${us.toFixed(0).padStart(5)} µs/req${splitText}  ${(r.ok / ((performance.now() - t0) / 1000)).toFixed(0)} req/s  failed ${r.failed}`);
    }
  }
} finally {
  for (const t of stack.targets) if (t.name.startsWith('sluice@')) await t.proc.stop();
  await stack.stop();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const naive = results.get('naive') ? median(results.get('naive').map((r) => r.us)) : undefined;
for (const [name, list] of results) {
  const m = median(list.map((r) => r.us));
  const splitOf = (k) => (list.every((r) => r.split) ? ` ${k} ${median(list.map((r) => r.split[k])).toFixed(0)}` : '');
  const splitText = list.every((r) => r.split) ? `  [median µs/req by thread:${splitOf('main')},${splitOf('other')}]` : '';
  log(`${name.padEnd(12)} median ${m.toFixed(0)} µs/req (${list.map((r) => r.us.toFixed(0)).join(', ')})${naive ? `  ratio to naive ${(m / naive).toFixed(2)}` : ''}${splitText}`);
}
if (v.profile) for (const pid of sluicePids) summarizeProfiles(resolve(v.profile), requests * repeat, pid);

/** `n` requests over `connections` closed-loop workers: the same work for every target (each request times out). */
async function runUntil(pool, target, n) {
  const per = Math.ceil(n / connections);
  let ok = 0;
  let failed = 0;
  let next = 0;
  async function worker() {
    for (let i = 0; i < per; i++) {
      const status = await postChat(pool, target, bodies[next++ % bodies.length]);
      if (status >= 200 && status < 300) ok++;
      else failed++;
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  return { ok, failed };
}

function summarizeProfiles(dir, totalRequests, pid) {
  const file = readdirSync(dir).find((f) => f === `sluice-${pid}.cpuprofile`);
  if (!file) return log(`no profile of pid ${pid} in ${dir}`);
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const byFn = new Map();
  const byFile = new Map();
  let total = 0;
  for (const node of prof.nodes) {
    const t = dt.get(node.id) ?? 0;
    if (!t) continue;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') continue;
    total += t;
    const file = cf.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '') || cf.functionName;
    const fn = `${cf.functionName || '(anon)'} ${file}:${cf.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
    byFile.set(file, (byFile.get(file) ?? 0) + t);
  }
  log(`\nprofile ${file}: ${(total / 1000).toFixed(0)} ms on the main thread (excluding idle), ${(total / totalRequests).toFixed(1)} µs/req over the measured requests (warm-up included in the numerator)`);
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, t]) => `  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`).join('\n');
  log(`top files (self):\n${top(byFile, 30)}`);
  log(`top functions (self):\n${top(byFn, 40)}`);
}

/** `--strace`: syscall counts per request of a target (strace -c -f; it slows the target, so CPU numbers are off). */
async function startStrace(pid) {
  const { spawn } = await import('node:child_process');
  const child = spawn('strace', ['-c', '-f', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  await new Promise((r) => setTimeout(r, 500));
  return {
    stop(n) {
      return new Promise((resolve) => {
        child.once('exit', () => {
          const lines = out.split('\n').filter((l) => /^\s*\d/.test(l));
          resolve(lines.map((l) => {
            const f = l.trim().split(/\s+/);
            const calls = Number(f[3]);
            return `  ${(calls / n).toFixed(2).padStart(7)}  ${f[f.length - 1]}  (${f[0]}% of traced time)`;
          }).filter((l) => !l.includes(' 0.00 ')).join('\n'));
        });
        child.kill('SIGINT');
      });
    },
  };
}
