// The steps of an HTTP thread that reach state the main thread owns (quotas, token vault, approvals, audit chain,
// admin routes): each is the step's seam from src/ports.ts implemented by calls over the thread's channel.
import type { AdminResponse, AdminRoutes, ApprovalStep, AuditStep, Verdict } from '../ports.js';
import type { QuotaStore } from '../policy/quota.js';
import type { TokenVault } from '../inspect/vault.js';
import type { RequestContext } from '../context.js';
import type { AuditConfig } from '../config/schema.js';
import type { Logger } from '../observe/logger.js';
import { SluiceError } from '../errors.js';
import { exchangeRecordOf, exchangeRecordOptions } from '../audit/step.js';
import type { Channel } from './channel.js';

/** Method names on the channel: the one list both ends use. */
export const CALLS = Object.freeze({
  quotaCheck: 'quota.check',
  quotaRecord: 'quota.record',
  quotaSpent: 'quota.spent',
  quotaAddSpend: 'quota.addSpend',
  vaultPut: 'vault.put',
  vaultPreload: 'vault.preload',
  auditExchange: 'audit.exchange',
  auditRefusing: 'audit.refusing',
  approvalAwait: 'approval.await',
  approvalCancel: 'approval.cancel',
  admin: 'admin',
  operations: 'operations',
  policy: 'policy',
  metrics: 'metrics',
  readiness: 'readiness',
  close: 'close',
  ready: 'ready',
} as const);

/** Quotas count once for the whole instance: every check-and-take runs on the main thread's store. */
export function remoteQuotas(ch: Channel): QuotaStore {
  return {
    check: (bindings) => ch.call(CALLS.quotaCheck, bindings),
    record: (usage) => ch.call(CALLS.quotaRecord, usage),
    // Budgets (src/spend/budgets.ts): counted once per instance like quotas.
    spent: (keys) => ch.call(CALLS.quotaSpent, keys),
    addSpend: (key, micros, ttlMs) => ch.call(CALLS.quotaAddSpend, { key, micros, ttlMs }),
  };
}

/**
 * Tokens live in the main thread's vault (or Redis behind it): puts are sent in order with the thread's other calls,
 * and a session's tokens are preloaded once before a response that restores them is relayed.
 */
export function remoteVault(ch: Channel): TokenVault & { preload(session: string): Promise<Map<string, string>> } {
  return {
    put(session, token, value, ttlMs) {
      ch.notify(CALLS.vaultPut, { session, token, value, ttlMs });
    },
    get: () => undefined,
    preload: (session) => ch.call(CALLS.vaultPreload, session),
  };
}

/** What the main thread's approval gate reads of a request. */
export interface ApprovalAsk {
  hold: number;
  ctx: Pick<RequestContext, 'id' | 'method' | 'path' | 'headers' | 'remoteAddress' | 'identity' | 'route' | 'model' | 'maskedRequest' | 'findingSummary' | 'justification' | 'tools' | 'stream'>;
  verdict: Verdict;
}

export interface ApprovalAnswer {
  approvalId?: string;
  approver?: string;
  error?: { code: SluiceError['code']; message: string; headers: Record<string, string>; details: Record<string, unknown> };
}

export function remoteApprovals(ch: Channel): ApprovalStep {
  let nextHold = 1;
  return {
    async await(ctx, verdict, onCancel) {
      const hold = nextHold++;
      onCancel(() => ch.notify(CALLS.approvalCancel, hold));
      const ask: ApprovalAsk = {
        hold,
        ctx: {
          id: ctx.id,
          method: ctx.method,
          path: ctx.path,
          headers: ctx.headers,
          remoteAddress: ctx.remoteAddress,
          identity: ctx.identity,
          route: ctx.route,
          model: ctx.model,
          maskedRequest: ctx.maskedRequest,
          findingSummary: ctx.findingSummary,
          justification: ctx.justification,
          tools: ctx.tools,
          stream: ctx.stream,
        },
        verdict: { ...verdict, responseHeaders: undefined },
      };
      const a = await ch.call<ApprovalAnswer>(CALLS.approvalAwait, ask);
      if (a.approvalId !== undefined) ctx.approvalId = a.approvalId;
      if (a.approver !== undefined) ctx.approver = a.approver;
      if (a.error) throw new SluiceError(a.error.code, a.error.message, { headers: a.error.headers, details: a.error.details });
    },
  };
}

/**
 * The exchange record is built here, on the thread that served the exchange (redaction of the bodies included);
 * the main thread chains, hashes and writes it. Under `fsync: always` the answer waits for the main thread to say
 * the record is on disk; otherwise the record is sent and the answer goes on.
 */
export function remoteAudit(ch: Channel, cfg: AuditConfig, logger: Logger): AuditStep & { setRefusing(r: boolean): void } {
  const enabled = cfg.enabled;
  const strict = cfg.fsync === 'always';
  const opts = exchangeRecordOptions(cfg);
  let refusing = false;
  return {
    get refusing() {
      return refusing;
    },
    setRefusing(r) {
      refusing = r;
    },
    exchange(ctx) {
      if (!enabled) return undefined;
      let record;
      try {
        record = exchangeRecordOf(ctx, opts);
      } catch (err) {
        logger.error({ reqId: ctx.id, err: (err as Error).message }, 'audit: record could not be built');
        if (cfg.onFailure !== 'refuse') return undefined;
        return Promise.reject(new SluiceError('SLUICE_AUDIT_UNAVAILABLE', 'The audit trail cannot record this exchange right now; nothing was forwarded', { headers: { 'retry-after': '5' } }));
      }
      if (strict) return ch.call<void>(CALLS.auditExchange, { record, reqId: ctx.id, wait: true });
      ch.notify(CALLS.auditExchange, { record, reqId: ctx.id, wait: false });
      return undefined;
    },
  };
}

/** `/sluice/*` requests are answered whole by the main thread (approvals, console, shadow summary, demo issuer). */
export function remoteAdmin(ch: Channel): AdminRoutes {
  return {
    handle: (ctx, body) =>
      ch.call<AdminResponse | null>(CALLS.admin, { ctx: { id: ctx.id, method: ctx.method, path: ctx.path, headers: ctx.headers, remoteAddress: ctx.remoteAddress }, body }),
  };
}

/** `/readyz` and `/metrics` speak for the whole instance: the main thread assembles them from every thread. */
export interface OperationsAnswer {
  status: number;
  contentType: string;
  body: string;
}

export function remoteOperations(ch: Channel): (path: string) => Promise<OperationsAnswer> {
  return (path) => ch.call<OperationsAnswer>(CALLS.operations, path);
}

