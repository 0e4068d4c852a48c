// A circuit breaker per target: closed → open on the failure rate of a sliding window → half-open after a pause,
// where a few probes decide between closed and open again (the usual Hystrix / resilience4j shape).
import type { BreakerConfig } from './config.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class Breaker {
  state: BreakerState = 'closed';
  /** Epoch ms when an open breaker lets the first probe through. */
  openUntil = 0;
  /** How many times the breaker opened (for metrics). */
  opened = 0;
  private probes = 0;
  // One bucket per second of the window: outcomes and failures, and the second each bucket holds.
  private readonly ok: Uint32Array;
  private readonly failed: Uint32Array;
  private readonly second: Float64Array;

  constructor(private readonly cfg: BreakerConfig) {
    this.ok = new Uint32Array(cfg.windowSeconds);
    this.failed = new Uint32Array(cfg.windowSeconds);
    this.second = new Float64Array(cfg.windowSeconds).fill(-1);
  }

  /** Whether a request may go to the target now (no side effect: `take` reserves a half-open probe). */
  allows(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return now >= this.openUntil;
    return this.probes < this.cfg.halfOpenProbes;
  }

  /** A request was sent: an open breaker past its pause turns half-open and this is a probe. */
  take(now: number): void {
    if (this.state === 'open' && now >= this.openUntil) {
      this.state = 'half-open';
      this.probes = 0;
    }
    if (this.state === 'half-open') this.probes++;
  }

  /** A taken request ended without a verdict on the target's health. */
  cancel(): void {
    if (this.state === 'half-open') this.probes = Math.max(0, this.probes - 1);
  }

  record(success: boolean, now: number): void {
    if (this.state === 'half-open') {
      this.probes = Math.max(0, this.probes - 1);
      if (success) this.close();
      else this.open(now);
      return;
    }
    const sec = Math.floor(now / 1000);
    const i = sec % this.cfg.windowSeconds;
    if (this.second[i] !== sec) {
      this.second[i] = sec;
      this.ok[i] = 0;
      this.failed[i] = 0;
    }
    if (success) this.ok[i]++;
    else this.failed[i]++;
    if (this.state !== 'closed' || success) return;
    let total = 0;
    let failures = 0;
    for (let j = 0; j < this.cfg.windowSeconds; j++) {
      if (sec - this.second[j] >= this.cfg.windowSeconds) continue;
      total += this.ok[j] + this.failed[j];
      failures += this.failed[j];
    }
    if (total >= this.cfg.minRequests && failures * 100 >= total * this.cfg.failurePercent) this.open(now);
  }

  private open(now: number): void {
    this.state = 'open';
    this.openUntil = now + this.cfg.openSeconds * 1000;
    this.opened++;
  }

  private close(): void {
    this.state = 'closed';
    this.probes = 0;
    this.ok.fill(0);
    this.failed.fill(0);
    this.second.fill(-1);
  }
}

/**
 * Retries caused by one connection's failures stay under `percent` of its requests in the window, plus
 * `minPerSecond` (Finagle's / Envoy's retry budget): a failing connection cannot multiply its load.
 */
export class RetryBudget {
  private readonly requests: Uint32Array;
  private readonly retries: Uint32Array;
  private readonly second: Float64Array;

  constructor(private readonly windowSeconds: number, private readonly percent: number, private readonly minPerSecond: number) {
    this.requests = new Uint32Array(windowSeconds);
    this.retries = new Uint32Array(windowSeconds);
    this.second = new Float64Array(windowSeconds).fill(-1);
  }

  private slot(now: number): number {
    const sec = Math.floor(now / 1000);
    const i = sec % this.windowSeconds;
    if (this.second[i] !== sec) {
      this.second[i] = sec;
      this.requests[i] = 0;
      this.retries[i] = 0;
    }
    return i;
  }

  /** A first attempt went to the connection. */
  request(now: number): void {
    this.requests[this.slot(now)]++;
  }

  /** Takes one retry from the budget when there is room. */
  tryRetry(now: number): boolean {
    const i = this.slot(now);
    const sec = Math.floor(now / 1000);
    let requests = 0;
    let retries = 0;
    for (let j = 0; j < this.windowSeconds; j++) {
      if (sec - this.second[j] >= this.windowSeconds) continue;
      requests += this.requests[j];
      retries += this.retries[j];
    }
    if (retries * 100 >= requests * this.percent + this.minPerSecond * this.windowSeconds * 100) return false;
    this.retries[i]++;
    return true;
  }
}
