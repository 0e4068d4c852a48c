#!/usr/bin/env node
// `npm run examples`: starts a fresh demo gateway on random ports (its own temp dir, mock provider, demo issuer with
// one client per example), runs every example this machine can run, approves what the agents ask for through the
// reviewer API, prints each run's audit replay, and reports which examples ran and which could not (and why).
// Exits 1 when an example that could run failed. Ends with the plain totals line CI sums: `N passed, N failed`.
//
//   npm run examples                       # all of them
//   npm run examples -- java-async python  # some of them
//   npm run examples -- --keep             # keep the temp dir (config, audit trail, outputs) for a look afterwards
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { EXAMPLES } from './runner/examples.mjs';
import { checkReplay, shortReplay } from './runner/replay.mjs';
import { installFaults } from './runner/faults.mjs';
import { Reviewer } from './runner/reviewer.mjs';
import { sh } from './runner/sh.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.filter((a) => !a.startsWith('--'));
for (const name of only) {
  if (!EXAMPLES.some((e) => e.name === name)) {
    console.error(`unknown example "${name}"; known: ${EXAMPLES.map((e) => e.name).join(', ')}`);
    process.exit(2);
  }
}
if (!existsSync(join(REPO, 'dist/main.js'))) {
  console.error('examples: dist/ is missing; run `npm run build` first');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'sluice-examples-'));
const { startMockProvider } = await import(pathToFileURL(join(REPO, 'dist/demo/mock-provider.js')).href);
// The provider stand-in: the demo mock, plus the faults of a real provider (rate limits, overload, a context window).
const mock = await startMockProvider({ host: '127.0.0.1', port: 0, maxReceived: 50 });
const faults = installFaults(mock);

const clients = Object.fromEntries(
  EXAMPLES.filter((e) => e.client).map((e) => [e.client.id, { ...e.client, secret: randomBytes(18).toString('base64url') }]),
);
const configFile = join(work, 'sluice.yaml');
writeFileSync(
  configFile,
  stringify({
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 },
    demo: {
      enabled: true,
      dir: join(work, 'demo'),
      mockProviderPort: 0, // demo mode's own mock idles; connections use the one above, which injects faults
      clients: Object.values(clients).map(({ id, secret, groups, ttlSeconds }) => ({ id, secret, groups, ...(ttlSeconds ? { ttlSeconds } : {}) })),
    },
    identity: { clockSkewSeconds: 5 },
    connections: [
      { name: 'openai', provider: 'openai', baseUrl: `${mock.url}/v1`, credential: 'demo-openai-upstream-key', default: true },
      { name: 'anthropic', provider: 'anthropic', baseUrl: `${mock.url}/v1`, credential: 'demo-anthropic-upstream-key' },
    ],
    inspection: { pool: { minThreads: 1, maxThreads: 1 } },
    // The shipped demo policy: what `npm start` enforces.
    policies: { dir: join(REPO, 'policies'), watch: false, secret: randomBytes(16).toString('hex') },
    audit: { dir: join(work, 'audit') },
    egress: { enabled: false },
    logging: { level: 'warn' },
  }),
);

const sluiceJs = join(REPO, 'bin/sluice.js');
const gateway = await startGateway();
const reviewerToken = (await sh(process.execPath, [sluiceJs, 'token', '--config', configFile, '--group', 'reviewers', '--sub', 'rita'], { cwd: work })).stdout.trim();
const reviewer = new Reviewer(gateway.url, reviewerToken);
reviewer.start();

const ctx = { repo: REPO, work, url: gateway.url, tokenUrl: `${gateway.url}/sluice/demo/token`, clients, reviewer };
const outcomes = [];
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  void shutdown(130);
});

console.log(`examples: gateway ${gateway.url} (demo mode, policies/), mock provider ${mock.url}, work dir ${work}`);
console.log(`examples: the mock stands in for a provider's faults: ${faults.describe()}`);
for (const ex of EXAMPLES) {
  if (only.length && !only.includes(ex.name)) continue;
  if (interrupted) break;
  outcomes.push(...(await runExample(ex)));
}
const verify = await sh(process.execPath, [sluiceJs, 'audit', 'verify', '--config', configFile], { cwd: work });
console.log(`\n== audit trail of the whole run: ${verify.stdout.trim() || verify.stderr.trim()}`);
report();
const failed = outcomes.filter((o) => o.status === 'failed').length + (verify.code === 0 ? 0 : 1);
const passed = outcomes.filter((o) => o.status === 'passed').length + (verify.code === 0 ? 1 : 0);
const notRun = outcomes.filter((o) => o.status === 'not run').length;
// The audit verification of the whole run counts as one check; examples that could not run are listed above.
console.log(`\n${passed} passed, ${failed} failed${notRun ? `, ${notRun} skipped` : ''}`);
await shutdown(failed > 0 ? 1 : 0);

async function runExample(ex) {
  console.log(`\n${'='.repeat(100)}\n== ${ex.name}: ${ex.title}\n${'='.repeat(100)}`);
  const started = performance.now();
  let plan;
  try {
    plan = await ex.prepare(ctx);
  } catch (err) {
    return [outcome(ex.name, started, { status: 'failed', reason: `preparation crashed: ${err.message}` })];
  }
  if (!plan.skip) return [await runPlan(ex.name, ex, plan, started)];
  const out = [outcome(ex.name, started, { status: 'not run', reason: plan.skip })];
  // What this machine can still run of it (e.g. the Spark job's partition function without Spark).
  if (plan.fallback) out.push(await runPlan(`${ex.name}: ${plan.fallback.label}`, plan.fallback, plan.fallback, performance.now()));
  return out;
}

async function runPlan(name, ex, plan, started) {
  reviewer.attribute(name);
  let result;
  for (const step of plan.steps) {
    console.log(`-- ${step.label}: ${[step.cmd, ...step.args].map(quote).join(' ')}`);
    const r = await sh(step.cmd, step.args, { cwd: step.cwd ?? REPO, env: { ...process.env, ...step.env }, timeoutMs: step.timeoutMs ?? 300_000, echo: '   │ ' });
    if (r.code !== 0) return outcome(name, started, { status: 'failed', reason: `${step.label} exited ${r.timedOut ? 'on timeout' : r.code}` });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (line) result = JSON.parse(line.slice('RESULT '.length));
  }
  if (!result) return outcome(name, started, { status: 'failed', reason: 'the example printed no RESULT line' });
  const problems = ex.expect ? ex.expect(result, reviewer.approvedFor(name)) : [];
  // The audit trail of the run, session by session (`sluice audit replay`): what the provider actually saw.
  for (const session of result.sessions ?? []) {
    const replay = await sh(process.execPath, [sluiceJs, 'audit', 'replay', session, '--config', configFile], { cwd: work });
    console.log(`-- sluice audit replay ${session}`);
    console.log(shortReplay(replay.stdout, ex.replayTurns ?? 6).replace(/^/gm, '   │ '));
    problems.push(...checkReplay(session, replay));
  }
  if (problems.length) return outcome(name, started, { status: 'failed', reason: problems.join('; ') });
  return outcome(name, started, { status: 'passed', reason: ex.summary?.(result, reviewer.approvedFor(name)) ?? '' });
}

function outcome(name, started, o) {
  const out = { name, seconds: (performance.now() - started) / 1000, ...o };
  console.log(`-- ${name}: ${o.status.toUpperCase()}${o.reason ? ` (${o.reason})` : ''} in ${out.seconds.toFixed(1)} s`);
  return out;
}

function report() {
  console.log(`\n${'='.repeat(100)}\n== examples report\n${'='.repeat(100)}`);
  const w = Math.max(...outcomes.map((o) => o.name.length));
  for (const o of outcomes) console.log(`${o.name.padEnd(w)}  ${o.status.padEnd(8)} ${o.seconds.toFixed(1).padStart(6)} s  ${o.reason}`);
}

async function startGateway() {
  const child = spawn(process.execPath, [sluiceJs, 'start', '--config', configFile], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start in 60 s:\n${log}`)), 60_000);
    const onData = (d) => {
      log += d;
      const m = /listening on (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stderr.on('data', onData);
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code}) before listening:\n${log}`)));
  }).catch(async (err) => {
    console.error(`examples: ${err.message}`);
    console.log('0 passed, 1 failed');
    await mock.close();
    process.exit(1);
  });
  return { url, child, log: () => log };
}

async function shutdown(code) {
  reviewer.stop();
  if (gateway.child.exitCode === null) {
    gateway.child.kill('SIGTERM');
    await new Promise((r) => gateway.child.once('exit', r));
  }
  await mock.close();
  if (keep) console.log(`examples: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(code);
}

function quote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
