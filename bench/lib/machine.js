// What the numbers were measured on: they mean little without it.
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { findNginx } from './nginx.js';

function nginxVersion() {
  const bin = findNginx();
  if (!bin) return null;
  // `nginx -v` prints its version on stderr.
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return `${r.stderr ?? ''}${r.stdout ?? ''}`.trim() || 'nginx';
}

export function describeMachine() {
  const list = cpus();
  return {
    cores: availableParallelism(),
    cpuModel: list[0]?.model?.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${platform()} ${release()}`,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    nginx: nginxVersion(),
  };
}

export function machineNote(m) {
  const shared = m.cores <= 4
    ? `only ${m.cores} cores: the load generator, the mock provider and the proxy under test share them, so absolute numbers are pessimistic and noisy; compare targets within one run`
    : `${m.cores} cores shared by the load generator, the mock provider and the proxy under test`;
  return `${m.cpuModel}, ${shared}; Node ${m.node}`;
}
