// What the load tool talks to, each in its own process: the mock provider ("direct"), Sluice, the naive
// Node proxy, nginx and (with --peers) Portkey. A target is `{ name, url, headers, proc }`.
import { join } from 'node:path';
import { startNginx } from './nginx.js';
import { startPortkey } from './peers.js';
import { startChild } from './procs.js';
import { REPO } from './sluice-config.js';

export function startMock({ latencyMs = 0 } = {}) {
  return startChild('mock provider', process.execPath, [join(REPO, 'dist/demo/mock-cli.js'), '--port', '0', '--latency-ms', String(latencyMs)]);
}

export async function directTarget(mock) {
  return { name: 'direct', url: mock.url, headers: { authorization: 'Bearer sk-bench-direct' }, proc: mock };
}

/**
 * `configFile` from prepareSluice().write(); `token` an analysts JWT. `name` is `sluice` (server.engine: auto, the
 * best engine for this host) or `sluice-node` (the node:http engine, measured beside it).
 */
export async function sluiceTarget(configFile, token, name = 'sluice') {
  // $SLUICE_ENGINE would override the config file: the targets must run the engine their config names.
  const env = { ...process.env };
  delete env.SLUICE_ENGINE;
  const proc = await startChild(name, process.execPath, [...(process.env.SLUICE_BENCH_NODE_FLAGS ? process.env.SLUICE_BENCH_NODE_FLAGS.split(' ') : []), '--expose-gc', join(REPO, 'bench/lib/sluice-child.js'), configFile], { ipc: true, timeoutMs: 30_000, env });
  return { name, url: proc.url, headers: { authorization: `Bearer ${token}` }, proc };
}

export async function naiveTarget(mock) {
  const proc = await startChild('naive proxy', process.execPath, [join(REPO, 'bench/baselines/naive-proxy.js'), mock.url]);
  return { name: 'naive', url: proc.url, headers: { authorization: 'Bearer sk-bench-direct' }, proc };
}

/** undefined when nginx is not installed. */
export async function nginxTarget(mock) {
  const proc = await startNginx(mock.url);
  return proc && { name: 'nginx', url: proc.url, headers: { authorization: 'Bearer sk-bench-direct' }, proc };
}

/** undefined when Portkey could not be installed or started (the reason is logged). */
export async function portkeyTarget(mock, log) {
  const proc = await startPortkey(log);
  return (
    proc && {
      name: 'portkey',
      url: proc.url,
      headers: { authorization: 'Bearer sk-bench-direct', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mock.url}/v1` },
      proc,
    }
  );
}
