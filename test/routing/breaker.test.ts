import { describe, expect, it } from 'vitest';
import { Breaker, RetryBudget } from '../../src/routing/breaker.js';

const cfg = { windowSeconds: 10, minRequests: 4, failurePercent: 50, openSeconds: 5, halfOpenProbes: 1 };

describe('circuit breaker', () => {
  it('stays closed below minRequests, opens at the failure rate, probes after the pause', () => {
    const b = new Breaker(cfg);
    const t = 1_000_000;
    b.record(false, t);
    b.record(true, t);
    b.record(false, t);
    expect(b.state).toBe('closed');
    b.record(false, t);
    expect(b.state).toBe('open');
    expect(b.allows(t + 4999)).toBe(false);
    expect(b.allows(t + 5000)).toBe(true);
    b.take(t + 5000);
    expect(b.state).toBe('half-open');
    expect(b.allows(t + 5001)).toBe(false); // one probe at a time
    b.record(false, t + 5100);
    expect(b.state).toBe('open');
    expect(b.opened).toBe(2);
    b.take(t + 10_100);
    b.record(true, t + 10_200);
    expect(b.state).toBe('closed');
  });

  it('forgets outcomes older than the window', () => {
    const b = new Breaker(cfg);
    const t = 2_000_000;
    for (let i = 0; i < 3; i++) b.record(false, t);
    b.record(false, t + 11_000);
    expect(b.state).toBe('closed');
  });

  it('a cancelled probe frees its slot', () => {
    const b = new Breaker({ ...cfg, minRequests: 1 });
    b.record(false, 0);
    b.take(5000);
    b.cancel();
    expect(b.allows(5001)).toBe(true);
  });
});

describe('retry budget', () => {
  it('allows retries up to the share of requests plus the floor', () => {
    const budget = new RetryBudget(10, 20, 0);
    const t = 5_000_000;
    for (let i = 0; i < 50; i++) budget.request(t);
    let granted = 0;
    for (let i = 0; i < 50; i++) if (budget.tryRetry(t)) granted++;
    expect(granted).toBe(10);
  });

  it('the per-second floor lets a quiet connection retry', () => {
    const budget = new RetryBudget(10, 0, 1);
    let granted = 0;
    for (let i = 0; i < 20; i++) if (budget.tryRetry(7_000_000)) granted++;
    expect(granted).toBe(10);
  });
});
