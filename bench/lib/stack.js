// Starts every selected target in its own process and stops them all again. A target that cannot start
// is recorded with the reason and the run goes on without it.
import { poolFor, postChat } from './client.js';
import { chatBodies } from './payload.js';
import { prepareSluice } from './sluice-config.js';
import { directTarget, naiveTarget, nginxTarget, portkeyTarget, sluiceTarget, startMock } from './targets.js';

async function attempt(name, status, fn, log) {
  try {
    const t = await fn();
    if (!t) {
      status.push({ name, status: 'skipped', reason: name === 'nginx' ? 'nginx is not on PATH (apt-get install nginx)' : 'not available' });
      log(`  ${name}: skipped`);
      return undefined;
    }
    return t;
  } catch (err) {
    status.push({ name, status: 'failed', reason: err.message });
    log(`  ${name}: FAILED to start: ${err.message.split('\n').slice(0, 6).join('\n    ')}`);
    return undefined;
  }
}

/** One request through each target; a target that does not answer 2xx is dropped with the status it gave. */
async function probe(target) {
  const pool = poolFor(target, 1);
  try {
    const status = await postChat(pool, target, chatBodies({ count: 1 })[0]);
    return status >= 200 && status < 300 ? undefined : `a probe request answered ${status === 0 ? 'a transport error' : `HTTP ${status}`}`;
  } finally {
    await pool.close();
  }
}

export async function startStack(opts, log) {
  const status = [];
  const mock = await startMock({ latencyMs: opts.latencyMs });
  log(`  mock provider: ${mock.url} (pid ${mock.pid}, upstream latency ${opts.latencyMs} ms)`);
  const sluiceFiles = await prepareSluice(mock.url);
  const token = await sluiceFiles.token();
  const want = new Set(opts.targets);
  const targets = [];
  const starters = {
    direct: () => directTarget(mock),
    sluice: () => sluiceTarget(sluiceFiles.write(opts.cell ?? {}), token),
    'sluice-node': () => sluiceTarget(sluiceFiles.write({ ...(opts.cell ?? {}), 'server.engine': 'node' }), token, 'sluice-node'),
    naive: () => naiveTarget(mock),
    nginx: () => nginxTarget(mock),
    portkey: () => portkeyTarget(mock, log),
  };
  for (const name of ['direct', 'sluice', 'sluice-node', 'naive', 'nginx', 'portkey']) {
    if (!want.has(name) && name !== 'direct') continue;
    const t = await attempt(name, status, starters[name], log);
    if (!t) continue;
    const problem = await probe(t);
    if (problem) {
      status.push({ name, status: 'failed', reason: problem });
      log(`  ${name}: FAILED: ${problem}`);
      if (name !== 'direct') await t.proc.stop();
      continue;
    }
    status.push({ name, status: 'ok', pid: t.proc.pid });
    log(`  ${name}: ${t.url} (pid ${t.proc.pid})`);
    targets.push(t);
  }
  return {
    mock,
    targets,
    status,
    sluiceFiles,
    token,
    find: (name) => targets.find((t) => t.name === name),
    /** A fresh process for `name` (memory is measured from a clean start, not after the load phases). */
    async restart(name) {
      const i = targets.findIndex((t) => t.name === name);
      if (i < 0 || name === 'direct') return targets[i];
      await targets[i].proc.stop();
      targets[i] = await starters[name]();
      return targets[i];
    },
    async stop() {
      for (const t of targets) if (t.name !== 'direct') await t.proc.stop();
      await mock.stop();
      sluiceFiles.cleanup();
    },
  };
}
