// How many cores this process may use: the CPUs it is allowed to run on, capped by a cgroup CPU quota (a container
// with `--cpus 2` on a 64-core host gets 2 HTTP threads, not 64).
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';

export function availableCores(read: (file: string) => string | undefined = readOrUndefined): number {
  const cpus = Math.max(1, availableParallelism());
  const quota = cgroupQuota(read);
  return quota === undefined ? cpus : Math.max(1, Math.min(cpus, Math.ceil(quota)));
}

/** CPUs granted by the cgroup (v2 `cpu.max`, else v1 `cfs_quota_us / cfs_period_us`), undefined when unlimited. */
export function cgroupQuota(read: (file: string) => string | undefined = readOrUndefined): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== undefined) {
    const [max, period] = v2.trim().split(/\s+/);
    if (max === 'max' || !max || !period) return undefined;
    const q = Number(max) / Number(period);
    return Number.isFinite(q) && q > 0 ? q : undefined;
  }
  const quota = read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us');
  const period = read('/sys/fs/cgroup/cpu/cpu.cfs_period_us') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us');
  if (quota === undefined || period === undefined) return undefined;
  const q = Number(quota.trim());
  const p = Number(period.trim());
  return q > 0 && p > 0 ? q / p : undefined;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
