// Every call the egress proxy decides: one audit record (who, destination, resolved address, decision, rule),
// one metric increment and a log line. Shadow-AI calls are also summarised for `GET /sluice/shadow`.
// Credentials never reach here: only host, path, ids and the action.
import { randomUUID } from 'node:crypto';
import type { AuditRecordInput } from '../audit/record.js';
import type { Counter } from '../observe/metrics.js';
import type { Logger } from '../observe/logger.js';
import type { Identity } from '../types.js';
import type { Classification } from './classify.js';
import type { PolicyVerdict, ShadowAction } from './policy.js';
import { createAggregate, type SummaryEntry } from './aggregate.js';

export interface EgressCall {
  mode: 'connect' | 'http';
  source: string;
  identity?: Identity;
  /** The destination as normalised (a name, or an address for IP literals). */
  host: string;
  port: number;
  /** The checked address the proxy connected to (or refused); undefined when nothing was resolved. */
  address?: string;
  method: string;
  /** Path without query (queries can carry keys, e.g. Gemini's `?key=`). */
  path?: string;
  classification: Classification;
  /** The decision and its rule; `action` is what was done (a `route` on CONNECT is done as `block`). */
  verdict: PolicyVerdict & { policyAction?: ShadowAction };
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
  note(call: EgressCall): void;
  summary(): ShadowSummary;
}

export interface LedgerDeps {
  audit: (record: AuditRecordInput) => void;
  metrics?: { shadow: Counter; egress?: Counter };
  logger: Logger;
  maxPairs: number;
  now?: () => number;
}

const MAX_TEXT = 256;

export function createShadowLedger(deps: LedgerDeps): ShadowLedger {
  const now = deps.now ?? Date.now;
  const since = new Date(now()).toISOString();
  const agg = createAggregate(deps.maxPairs);
  const byAction: Record<ShadowAction, number> = { allow: 0, log: 0, block: 0, route: 0 };

  function note(call: EgressCall): void {
    const t = now();
    const shadow = call.classification.matched;
    if (shadow) {
      byAction[call.action]++;
      agg.add({ source: call.source, host: call.host, time: t, signatures: call.classification.signatures, provider: call.classification.provider, action: call.action, subject: call.identity?.subject });
      deps.metrics?.shadow.inc({ host: hostLabel(call.classification), action: call.action });
    }
    deps.metrics?.egress?.inc({ action: call.action, reason: reasonLabel(call.verdict.rule) });
    const fields = { source: call.source, host: call.host, port: call.port, address: call.address, mode: call.mode, signatures: call.classification.signatures, action: call.action, rule: call.verdict.rule, subject: call.identity?.subject, status: call.status };
    const msg = shadow ? 'shadow AI call' : call.action === 'block' ? 'egress refused' : 'egress call';
    if (call.action === 'block' || (shadow && call.action === 'log')) deps.logger.warn(fields, msg);
    else if (shadow || call.action === 'log') deps.logger.info(fields, msg);
    else deps.logger.debug(fields, msg);
    try {
      deps.audit(egressRecord(call, t));
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

/** The audit draft for one proxied call: kind `shadow` for shadow-AI calls, `egress` for every other one. */
export function egressRecord(call: EgressCall, time: number): AuditRecordInput {
  const id = call.identity;
  const detail: Record<string, string | number | boolean> = {
    mode: call.mode,
    host: clip(call.host),
    port: call.port,
    method: call.method,
    action: call.action,
    rule: call.verdict.rule,
  };
  if (call.address !== undefined) detail.address = call.address;
  if (call.classification.signatures.length) detail.signatures = call.classification.signatures.join(',');
  if (call.path !== undefined) detail.path = clip(call.path);
  if (call.classification.provider) detail.provider = call.classification.provider;
  const policyAction = call.verdict.policyAction ?? call.verdict.action;
  if (policyAction !== call.action) detail.policyAction = policyAction;
  return {
    kind: call.classification.matched ? 'shadow' : 'egress',
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

// Hosts and paths come from the caller: bounded, and control characters cannot forge log or table lines.
function clip(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT)}…` : clean;
}

// Metric labels stay bounded: the catalogue's host signature id, not the (unbounded) host name.
function hostLabel(c: Classification): string {
  const h = c.signatures.find((s) => s.startsWith('host:'));
  return h ? h.slice(5) : 'other';
}

// `host:<pattern>` → `host`, `signature:<pattern>` → `signature`; `protected:<class>` and the rest as they are.
function reasonLabel(rule: string): string {
  return rule.startsWith('host:') ? 'host' : rule.startsWith('signature:') ? 'signature' : rule;
}

/** A recorder that notes `call` in the ledger once, with the outcome that arrives first. */
export function noteOnce(ledger: ShadowLedger, call: EgressCall): (status: number | undefined, error?: string) => void {
  let noted = false;
  return function note(status, error) {
    if (noted) return;
    noted = true;
    call.status = status;
    call.error = error;
    ledger.note(call);
  };
}
