// Approval notifications: a signed JSON POST per event, retried with exponential back-off, fire-and-forget so
// the request path never waits on a chat bridge. The URL may itself be a secret (Slack's are): only its host is logged.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Logger } from '../observe/logger.js';
import { realTimers, type Timers } from './timers.js';

export interface WebhookOptions {
  url: string;
  /** HMAC-SHA256 key for `x-sluice-signature`. */
  secret: string;
  maxAttempts?: number;
  /** First back-off; doubled per attempt, with jitter, capped at 60 s. */
  baseDelayMs?: number;
  /** Per attempt: connect and response headers. */
  timeoutMs?: number;
  /** Deliveries in progress (including back-off waits); beyond this new events are dropped and counted. */
  maxInFlight?: number;
}

export const WEBHOOK_DEFAULTS = Object.freeze({ maxAttempts: 5, baseDelayMs: 500, timeoutMs: 5000, maxInFlight: 100 });
const MAX_DELAY_MS = 60_000;

export interface WebhookStats {
  delivered: number;
  failed: number;
  dropped: number;
  attempts: number;
}

export interface WebhookNotifier {
  send(type: string, approval: Record<string, unknown>): void;
  /** Stops retries and waits for attempts in progress to end. */
  close(): Promise<void>;
  stats(): WebhookStats;
}

export interface WebhookDeps {
  logger: Logger;
  now?: () => number;
  timers?: Timers;
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers (and tests): constant-time check of `x-sluice-signature` against the raw body. */
export function verifySignature(body: string, header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const want = Buffer.from(signBody(body, secret));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

type Outcome = { ok: true } | { ok: false; retry: boolean; reason: string };

export function createWebhookNotifier(opts: WebhookOptions, deps: WebhookDeps): WebhookNotifier {
  const o = { ...WEBHOOK_DEFAULTS, ...opts };
  const now = deps.now ?? Date.now;
  const timers = deps.timers ?? realTimers;
  const host = new URL(o.url).host;
  const log = deps.logger.child({ component: 'approval-webhook', host });
  const agent = new Agent({ connections: 4, connect: { timeout: o.timeoutMs }, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs });
  const inFlight = new Set<Promise<void>>();
  const aborts = new Set<AbortController>();
  const sleeps = new Map<unknown, () => void>();
  const stats: WebhookStats = { delivered: 0, failed: 0, dropped: 0, attempts: 0 };
  let closed = false;
  let closing: Promise<void> | undefined;

  function send(type: string, approval: Record<string, unknown>): void {
    if (closed) return;
    if (inFlight.size >= o.maxInFlight) {
      stats.dropped++;
      log.warn({ event: type, inFlight: inFlight.size }, 'approval webhook: too many deliveries in progress; event dropped');
      return;
    }
    const p = deliver(type, approval).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function deliver(type: string, approval: Record<string, unknown>): Promise<void> {
    const deliveryId = randomUUID();
    for (let attempt = 1; !closed; attempt++) {
      const outcome = await attemptOnce(type, deliveryId, approval);
      if (outcome.ok) {
        stats.delivered++;
        return;
      }
      if (!outcome.retry || attempt >= o.maxAttempts) {
        stats.failed++;
        log.warn({ event: type, deliveryId, attempts: attempt, reason: outcome.reason }, 'approval webhook: giving up');
        return;
      }
      await sleep(backoff(attempt));
    }
  }

  async function attemptOnce(type: string, deliveryId: string, approval: Record<string, unknown>): Promise<Outcome> {
    stats.attempts++;
    // Signed per attempt so the timestamp inside the body (and its header) is fresh for replay windows.
    const timestamp = Math.floor(now() / 1000);
    const body = JSON.stringify({ type, deliveryId, timestamp, approval });
    const ac = new AbortController();
    aborts.add(ac);
    try {
      const res = await request(o.url, {
        method: 'POST',
        dispatcher: agent,
        signal: ac.signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sluice-approvals',
          'x-sluice-event': type,
          'x-sluice-timestamp': String(timestamp),
          'x-sluice-signature': signBody(body, o.secret),
        },
        body,
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true };
      // 4xx other than 408/429 will not get better by retrying (bad secret, gone endpoint).
      const retry = res.statusCode >= 500 || res.statusCode === 408 || res.statusCode === 429;
      return { ok: false, retry, reason: `status ${res.statusCode}` };
    } catch (err) {
      return { ok: false, retry: true, reason: String((err as { code?: unknown }).code ?? 'network error') };
    } finally {
      aborts.delete(ac);
    }
  }

  function backoff(attempt: number): number {
    const d = Math.min(MAX_DELAY_MS, o.baseDelayMs * 2 ** (attempt - 1));
    return d / 2 + Math.random() * (d / 2);
  }

  function sleep(ms: number): Promise<void> {
    if (closed) return Promise.resolve();
    return new Promise((resolve) => {
      const h = timers.setTimeout(function wake() {
        sleeps.delete(h);
        resolve();
      }, ms);
      sleeps.set(h, resolve);
    });
  }

  async function shutdown(): Promise<void> {
    closed = true;
    for (const [h, wake] of sleeps) {
      timers.clearTimeout(h);
      wake();
    }
    sleeps.clear();
    for (const ac of aborts) ac.abort();
    await Promise.allSettled([...inFlight]);
    await agent.close();
  }

  return {
    send,
    close() {
      closing ??= shutdown();
      return closing;
    },
    stats: () => ({ ...stats }),
  };
}
