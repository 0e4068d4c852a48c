// Every state change of an approval goes through here, so each one is audited, logged and notified exactly once.
import type { AuditRecordInput } from '../audit/record.js';
import type { Logger } from '../observe/logger.js';
import type { ApprovalStore, SettleResult } from './store.js';
import type { Approval, ApprovalEvent, Settlement } from './types.js';
import type { WebhookNotifier } from './webhook.js';
import { approvalAuditRecord } from './audit.js';
import { approvalSummary } from './record.js';

export interface LifecycleDeps {
  store: ApprovalStore;
  now: () => number;
  audit: (record: AuditRecordInput) => void;
  onEvent?: (event: ApprovalEvent) => void;
  logger: Logger;
  notifier?: WebhookNotifier;
  publicUrl?: string;
}

export interface Lifecycle {
  open(a: Approval, dedupeKey?: string): Promise<void>;
  /** Compare-and-set out of `pending`; audits, notifies and records a standing grant when it changed. */
  settle(id: string, s: Settlement): Promise<SettleResult>;
  /** `a` as it is now: a pending approval past its deadline is expired first. */
  refresh(a: Approval): Promise<Approval>;
  sweep(): Promise<void>;
}

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const { store, now, logger } = deps;

  async function open(a: Approval, dedupeKey?: string): Promise<void> {
    await store.create(a, dedupeKey);
    announce(a, 'requested');
  }

  async function settle(id: string, s: Settlement): Promise<SettleResult> {
    const r = await store.settle(id, s, now());
    if (!r.changed || !r.approval) return r;
    const a = r.approval;
    if (s.status === 'approved' && s.grantMinutes !== null && a.identity.job !== null) {
      await store.addGrant({ job: a.identity.job, subject: a.identity.subject, rule: a.rule, reviewer: s.reviewer, approvalId: a.id, until: now() + s.grantMinutes * 60_000 });
    }
    announce(a, s.status);
    return r;
  }

  async function refresh(a: Approval): Promise<Approval> {
    if (a.status !== 'pending' || a.expiresAt > now()) return a;
    return (await settle(a.id, { status: 'expired' })).approval ?? a;
  }

  async function sweep(): Promise<void> {
    for (const a of await store.sweep(now())) announce(a, 'expired');
  }

  function announce(a: Approval, event: ApprovalEvent): void {
    deps.onEvent?.(event);
    try {
      deps.audit(approvalAuditRecord(a, event, now()));
    } catch (err) {
      // The audit step never throws by contract; this guards a misbehaving callback from breaking decisions.
      logger.error({ approvalId: a.id, err: (err as Error).message }, 'approval audit callback failed');
    }
    logger.info(
      { approvalId: a.id, event, rule: a.rule, mode: a.mode, subject: a.identity.subject, job: a.identity.job, connection: a.connection, reviewer: a.reviewer, reqId: a.requestId },
      `approval ${event}`,
    );
    deps.notifier?.send(`approval.${event}`, approvalSummary(a, deps.publicUrl));
  }

  return { open, settle, refresh, sweep };
}
