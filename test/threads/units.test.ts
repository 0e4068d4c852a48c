// The pieces of server.threads that need no threads: cgroup-aware core count, pool shares, /metrics merging, the channel.
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { availableCores, cgroupQuota } from '../../src/threads/cores.js';
import { shareOfPool } from '../../src/threads/owner.js';
import { mergeThreads, requestsIn } from '../../src/threads/metrics-merge.js';
import { createMetrics } from '../../src/observe/metrics.js';
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

describe('mergeThreads', () => {
  it('sums the series of every thread once, keeps one HELP/TYPE per family, and counts requests per thread', async () => {
    const registry = (n: number) => {
      const m = createMetrics();
      m.requests.inc({ connection: 'openai', route: 'chat.completions', status: 200, decision: 'allowed' }, n);
      m.duration.observe({ connection: 'openai' }, 0.01 * n);
      return m.snapshot();
    };
    const own = await createMetrics().snapshot();
    const out = await mergeThreads(own, [await registry(4), await registry(5)]);
    expect(out.match(/# TYPE sluice_requests_total counter/g)).toHaveLength(1);
    expect(out).toContain('sluice_requests_total{connection="openai",route="chat.completions",status="200",decision="allowed"} 9\n');
    expect(out).toMatch(/sluice_request_duration_seconds_count\{connection="openai"\} 2\n/);
    expect(out).toContain('sluice_thread_requests_total{thread="0"} 4\nsluice_thread_requests_total{thread="1"} 5\n');
  });
  it('reads the requests one registry counted', async () => {
    const m = createMetrics();
    m.requests.inc({ connection: 'a', route: 'r', status: 200, decision: 'allowed' }, 3);
    m.requests.inc({ connection: 'a', route: 'r', status: 429, decision: 'blocked' }, 2);
    expect(requestsIn(await m.snapshot())).toBe(5);
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
