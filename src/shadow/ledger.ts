// Every shadow call the proxy sees: one audit record, one metric increment, one summary sighting and,
// for `log` and `block`, a log line. Credentials never reach here: only host, path, ids and the action.
import { randomUUID } from 'node:crypto';
import type { AuditRecordInput } from '../audit/record.js';
import type { Counter } from '../observe/metrics.js';
import type { Logger } from '../observe/logger.js';
import type { Identity } from '../types.js';
import type { Classification } from './classify.js';
import type { PolicyVerdict, ShadowAction } from './policy.js';
import { createAggregate, type SummaryEntry } from './aggregate.js';

export interface ShadowCall {
  mode: 'connect' | 'http';
  source: string;
  identity?: Identity;
  host: string;
  port: number;
  method: string;
  /** Path without query (queries can carry keys, e.g. Gemini's `?key=`). */
  path?: string;
  classification: Classification;
  /** The policy's verdict; `action` is what was done (a `route` on CONNECT is done as `block`). */
  verdict: PolicyVerdict;
  action: ShadowAction;
  /** Status answered to the caller (or relayed from upstream); undefined if the caller went away first. */
  status?: number;
  error?: string;
}

export interface ShadowSummary {
  since: string;
  calls: number;
  byAction: Record<ShadowAction, number>;
  /** Calls whose (source, host) pair did not fit in the summary (still audited and counted). */
  dropped: number;
  entries: SummaryEntry[];
}

export interface ShadowLedger {
  note(call: ShadowCall): void;
  summary(): ShadowSummary;
}

export interface LedgerDeps {
  audit: (record: AuditRecordInput) => void;
  metrics?: { shadow: Counter };
  logger: Logger;
  maxPairs: number;
  now?: () => number;
}

const MAX_PATH_CHARS = 256;

export function createShadowLedger(deps: LedgerDeps): ShadowLedger {
  const now = deps.now ?? Date.now;
  const since = new Date(now()).toISOString();
  const agg = createAggregate(deps.maxPairs);
  const byAction: Record<ShadowAction, number> = { allow: 0, log: 0, block: 0, route: 0 };

  function note(call: ShadowCall): void {
    const t = now();
    byAction[call.action]++;
    agg.add({ source: call.source, host: call.host, time: t, signatures: call.classification.signatures, provider: call.classification.provider, action: call.action, subject: call.identity?.subject });
    deps.metrics?.shadow.inc({ host: hostLabel(call.classification), action: call.action });
    const fields = { source: call.source, host: call.host, mode: call.mode, signatures: call.classification.signatures, action: call.action, rule: call.verdict.rule, subject: call.identity?.subject, status: call.status };
    if (call.action === 'log' || call.action === 'block') deps.logger.warn(fields, 'shadow AI call');
    else deps.logger.info(fields, 'shadow AI call');
    try {
      deps.audit(shadowRecord(call, t));
    } catch (err) {
      // The audit writer counts its own failures; the proxy must keep serving.
      deps.logger.error({ err: (err as Error).message }, 'shadow: audit record failed');
    }
  }

  return {
    note,
    summary: () => ({ since, calls: agg.total, byAction: { ...byAction }, dropped: agg.dropped, entries: agg.entries() }),
  };
}

/** The audit draft for one shadow call (kind `shadow`; the writer adds seq and hashes). */
export function shadowRecord(call: ShadowCall, time: number): AuditRecordInput {
  const id = call.identity;
  const detail: Record<string, string | number | boolean> = {
    mode: call.mode,
    host: call.host,
    port: call.port,
    method: call.method,
    signatures: call.classification.signatures.join(','),
    action: call.action,
    rule: call.verdict.rule,
  };
  if (call.path !== undefined) detail.path = call.path.length > MAX_PATH_CHARS ? `${call.path.slice(0, MAX_PATH_CHARS)}…` : call.path;
  if (call.classification.provider) detail.provider = call.classification.provider;
  if (call.verdict.action !== call.action) detail.policyAction = call.verdict.action;
  return {
    kind: 'shadow',
    time: new Date(time).toISOString(),
    requestId: randomUUID(),
    identity: id ? { subject: id.subject, groups: [...id.groups], job: id.job ?? null, session: id.session } : null,
    source: call.source || null,
    decision: call.action === 'block' ? 'blocked' : 'allowed',
    status: call.status ?? null,
    error: call.error ?? null,
    findings: [],
    detail,
  };
}

// Metric labels stay bounded: the catalogue's host signature id, not the (unbounded) host name.
function hostLabel(c: Classification): string {
  const h = c.signatures.find((s) => s.startsWith('host:'));
  return h ? h.slice(5) : 'other';
}

/** A recorder that notes `call` in the ledger once, with the outcome that arrives first. */
export function noteOnce(ledger: ShadowLedger, call: ShadowCall | undefined): (status: number | undefined, error?: string) => void {
  let noted = false;
  return function note(status, error) {
    if (!call || noted) return;
    noted = true;
    call.status = status;
    call.error = error;
    ledger.note(call);
  };
}
