// Approval events as audit records (kind `approval`): who asked, which rule, who decided, what they said.
import type { AuditRecordInput } from '../audit/record.js';
import type { AuditDecision } from '../types.js';
import type { Approval, ApprovalEvent } from './types.js';

/** A timeout or a vanished client ends the request exactly like a denial (issue 7: "timeout → denied"). */
const DECISION: Record<ApprovalEvent, AuditDecision> = {
  requested: 'held',
  approved: 'approved',
  denied: 'denied',
  expired: 'denied',
  cancelled: 'denied',
};

export function approvalAuditRecord(a: Approval, event: ApprovalEvent, at: number): AuditRecordInput {
  const detail: Record<string, string | number | boolean> = { event, rule: a.rule, mode: a.mode };
  if (a.comment !== null) detail.comment = a.comment;
  if (a.grantMinutes !== null) detail.grantMinutes = a.grantMinutes;
  return {
    kind: 'approval',
    time: new Date(at).toISOString(),
    requestId: a.requestId,
    identity: { subject: a.identity.subject, groups: [...a.identity.groups], job: a.identity.job, session: a.identity.session },
    connection: a.connection,
    route: a.route,
    model: a.model,
    decision: DECISION[event],
    approvalId: a.id,
    approver: a.reviewer,
    justification: a.justification,
    findings: a.findings.map((f) => ({ ...f })),
    detail,
  };
}
