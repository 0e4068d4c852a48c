// The pieces of server.threads that need no threads: cgroup-aware core count, pool shares, /metrics merging, the channel.
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { availableCores, cgroupQuota } from '../../src/threads/cores.js';
import { shareOfPool } from '../../src/threads/owner.js';
import { mergeExpositions, requestsIn } from '../../src/threads/metrics-merge.js';
import { createChannel } from '../../src/threads/channel.js';
import { SluiceError } from '../../src/errors.js';

const files = (map: Record<string, string>) => (f: string) => map[f];

describe('availableCores', () => {
  it('reads a cgroup v2 quota and rounds a fraction up', () => {
    expect(cgroupQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(availableCores(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(Math.min(2, availableCores(files({}))));
  });
  it('treats `max` and a missing file as unlimited, and reads cgroup v1', () => {
    expect(cgroupQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000' }))).toBeUndefined();
    expect(cgroupQuota(files({}))).toBeUndefined();
    expect(cgroupQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }))).toBeUndefined();
    expect(cgroupQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '50000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }))).toBe(0.5);
    expect(availableCores(files({ '/sys/fs/cgroup/cpu.max': '50000 100000' }))).toBe(1);
  });
});

describe('shareOfPool', () => {
  it('divides the pool between threads, at least one worker each', () => {
    const pool = { minThreads: 1, maxThreads: 2, maxQueue: 256, idleTimeoutMs: 1 };
    expect(shareOfPool(pool, 2)).toEqual({ minThreads: 1, maxThreads: 1, maxQueue: 128, idleTimeoutMs: 1 });
    expect(shareOfPool({ ...pool, maxThreads: 8, minThreads: 4 }, 4)).toMatchObject({ minThreads: 1, maxThreads: 2, maxQueue: 64 });
    expect(shareOfPool({ ...pool, minThreads: 0, maxThreads: 1, maxQueue: 1 }, 4)).toMatchObject({ minThreads: 0, maxThreads: 1, maxQueue: 1 });
  });
});

describe('mergeExpositions', () => {
  const a = '# HELP x_total X\n# TYPE x_total counter\nx_total{c="a"} 2\nx_total{c="b"} 1\n# HELP h Hist\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 0.5\nh_count 1\n';
  const b = '# HELP x_total X\n# TYPE x_total counter\nx_total{c="a"} 3\n# HELP h Hist\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_sum 1.5\nh_count 2\n';
  it('sums every series once, keeps one HELP/TYPE per family, and counts requests per thread', () => {
    const out = mergeExpositions([a, b], [4, 5]);
    expect(out.match(/# TYPE x_total counter/g)).toHaveLength(1);
    expect(out).toContain('x_total{c="a"} 5\n');
    expect(out).toContain('x_total{c="b"} 1\n');
    expect(out).toContain('h_bucket{le="1"} 3\nh_sum 2\nh_count 3\n');
    expect(out).toContain('sluice_thread_requests_total{thread="0"} 4\nsluice_thread_requests_total{thread="1"} 5\n');
  });
  it('reads the requests one exposition counted', () => {
    expect(requestsIn('sluice_requests_total{status="200"} 3\nsluice_requests_total{status="429"} 2\nother 9\n')).toBe(5);
  });
});

describe('channel', () => {
  it('answers calls in order, carries SluiceErrors (code, headers, details) and hides other errors', async () => {
    const { port1, port2 } = new MessageChannel();
    const a = createChannel(port1);
    const b = createChannel(port2);
    const seen: number[] = [];
    b.on('add', ([x, y]: [number, number]) => x + y);
    b.on('later', async (x: number) => x * 2);
    b.on('note', (x: number) => void seen.push(x));
    b.on('refuse', () => {
      throw new SluiceError('SLUICE_QUOTA_EXCEEDED', 'over', { headers: { 'retry-after': '3' }, details: { limit: 1 } });
    });
    b.on('crash', () => {
      throw new Error('secret internals');
    });
    a.notify('note', 1);
    expect(await Promise.all([a.call('add', [1, 2]), a.call('later', 21)])).toEqual([3, 42]);
    expect(seen).toEqual([1]);
    const refused = await a.call('refuse').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SluiceError);
    expect(refused).toMatchObject({ code: 'SLUICE_QUOTA_EXCEEDED', status: 429, message: 'over', headers: { 'retry-after': '3' }, details: { limit: 1 } });
    const crashed = (await a.call('crash').catch((e: unknown) => e)) as SluiceError;
    expect(crashed.code).toBe('SLUICE_INTERNAL');
    expect(crashed.message).not.toContain('secret');
    expect(a.pending).toBe(0);
    port1.close();
  });
});
