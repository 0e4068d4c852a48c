// Just-in-time approvals: the gateway's ApprovalStep (hold / ticket / standing grant) and the reviewer API
// (AdminRoutes under /sluice/approvals), sharing one store and one lifecycle that audits and notifies.
import type { AuditRecordInput } from '../audit/record.js';
import type { Logger } from '../observe/logger.js';
import type { AdminJsonResponse, AdminRoutes, ApprovalStep } from '../ports.js';
import type { RequestContext } from '../context.js';
import type { Identity } from '../types.js';
import type { ApprovalEvent } from './types.js';
import { SluiceError } from '../errors.js';
import { APPROVALS_DEFAULTS } from './config.js';
import { createGate } from './gate.js';
import { createLifecycle } from './lifecycle.js';
import { createReviewerRoutes } from './routes.js';
import { createReview, type Review } from './review.js';
import type { ReviewerPolicy } from './access.js';
import { createMemoryApprovalStore, type ApprovalStore } from './store.js';
import { realTimers, type Timers } from './timers.js';
import { createWebhookNotifier, type WebhookNotifier, type WebhookOptions, type WebhookStats } from './webhook.js';

export interface ApprovalsOptions {
  /** Defaults to the in-memory store sized by maxRecords / maxGrants / retainSeconds. */
  store?: ApprovalStore;
  /** Who reviews what (src/approval/access.ts), read on every reviewer call so policy hot reloads apply at once. */
  reviewerPolicy?: () => ReviewerPolicy;
  /** Shorthand for a policy whose only reviewers are these groups (used when `reviewerPolicy` is absent). */
  reviewerGroups?: () => string[];
  authenticate: (headers: Record<string, string>, remote: string) => Promise<Identity>;
  webhook?: WebhookOptions;
  /** Receives one `kind: 'approval'` record per event (requested, approved, denied, expired, cancelled). */
  audit: (record: AuditRecordInput) => void;
  /** Every state change (requested, approved, denied, expired, cancelled), for metrics. */
  onEvent?: (event: ApprovalEvent) => void;
  logger: Logger;
  /** Milliseconds since the epoch. */
  now?: () => number;
  timers?: Timers;
  defaultTimeoutSeconds?: number;
  retainSeconds?: number;
  maxRecords?: number;
  maxGrants?: number;
  maxGrantMinutes?: number;
  promptBytes?: number;
  /** Seconds a held approval whose client went away stays open for the client's retry (0 = cancel at once). */
  rejoinSeconds?: number;
  publicUrl?: string;
  /** How often overdue tickets are expired (and audited) in the background; 0 turns it off. */
  sweepIntervalMs?: number;
}

export interface Approvals extends ApprovalStep, AdminRoutes {
  /** The reviewer API answers in JSON only. */
  handle(ctx: RequestContext, body: Uint8Array): Promise<AdminJsonResponse | null>;
  readonly store: ApprovalStore;
  /** The reviewer's actions behind the API, for other front ends (the console). */
  readonly review: Review;
  webhookStats(): WebhookStats | undefined;
  /** Held requests end with SLUICE_SHUTTING_DOWN (their approvals are cancelled); stops retries and sweeps. */
  close(): Promise<void>;
}

const DEFAULT_SWEEP_MS = 30_000;

export function createApprovals(opts: ApprovalsOptions): Approvals {
  const o = { ...APPROVALS_DEFAULTS, ...stripUndefined(opts) };
  const now = opts.now ?? Date.now;
  const timers = opts.timers ?? realTimers;
  const logger = opts.logger.child({ component: 'approvals' });
  const ownStore = opts.store === undefined;
  const store = opts.store ?? createMemoryApprovalStore({ maxRecords: o.maxRecords, maxGrants: o.maxGrants, retainMs: o.retainSeconds * 1000 });
  let notifier: WebhookNotifier | undefined;
  if (opts.webhook) notifier = createWebhookNotifier(opts.webhook, { logger, now, timers });

  const lifecycle = createLifecycle({ store, now, audit: opts.audit, onEvent: opts.onEvent, logger, notifier, publicUrl: o.publicUrl });
  const gate = createGate({
    store,
    lifecycle,
    now,
    timers,
    defaultTimeoutMs: o.defaultTimeoutSeconds * 1000,
    redeemMs: o.retainSeconds * 1000,
    promptBytes: o.promptBytes,
    rejoinMs: o.rejoinSeconds * 1000,
  });
  const reviewerGroups = opts.reviewerGroups ?? (() => []);
  const review = createReview({ store, lifecycle, reviewerPolicy: opts.reviewerPolicy ?? (() => ({ reviewerGroups: reviewerGroups() })) });
  const handle = createReviewerRoutes({ review, authenticate: opts.authenticate, maxGrantMinutes: o.maxGrantMinutes, logger });

  const sweepMs = opts.sweepIntervalMs ?? DEFAULT_SWEEP_MS;
  const sweeper = sweepMs > 0 ? setInterval(sweep, sweepMs) : undefined;
  sweeper?.unref();
  function sweep(): void {
    lifecycle.sweep().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'approval sweep failed'));
  }

  return {
    await: gate.await,
    handle,
    store,
    review,
    webhookStats: () => notifier?.stats(),
    async close() {
      if (sweeper) clearInterval(sweeper);
      await gate.abortHolds(new SluiceError('SLUICE_SHUTTING_DOWN', 'Gateway is shutting down; the approval was cancelled', { headers: { 'retry-after': '1' } }));
      await notifier?.close();
      if (ownStore) store.close();
    },
  };
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
