// The gateway's audit step: one hash-chained record per exchange, appended on the main thread. When a record cannot
// be made durable, `audit.onFailure` decides: `refuse` (default) fails the exchange closed, `serve` keeps serving
// and leaves a gap marker in the chain for every record lost.
import type { AuditConfig } from '../config/schema.js';
import type { AuditStep } from '../ports.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { SluiceError } from '../errors.js';
import { createAuditWriter, type AuditWriter } from './writer.js';
import { auditBodies } from './redact.js';
import { buildExchangeRecord, type AuditRecordInput, type ExchangeRecordOptions } from './record.js';

export interface GatewayAudit extends AuditStep {
  /** Records that are not exchanges (approval decisions, shadow calls). */
  append(record: AuditRecordInput): void;
  readonly writer: AuditWriter | undefined;
  /** For /readyz: whether records are being made durable, and the last failure while they are not. */
  health(): { ok: boolean; detail?: string };
  close(): Promise<void>;
}

export function unavailable(cause?: unknown): SluiceError {
  return new SluiceError('SLUICE_AUDIT_UNAVAILABLE', 'The audit trail cannot record this exchange right now; nothing was forwarded', {
    headers: { 'retry-after': '5' },
    cause,
  });
}

export function createAuditStep(cfg: AuditConfig, logger: Logger, metrics?: Metrics): GatewayAudit {
  if (!cfg.enabled) {
    return { writer: undefined, refusing: false, exchange: () => undefined, append() {}, health: () => ({ ok: true, detail: 'disabled' }), async close() {} };
  }
  const log = logger.child({ component: 'audit' });
  const writer = createAuditWriter({
    dir: cfg.dir,
    fsync: cfg.fsync,
    groupCommitMs: cfg.groupCommitMs,
    maxBytes: cfg.rotateBytes,
    checkpointEvery: cfg.checkpointEvery,
    checkpointIntervalMs: cfg.checkpointSeconds * 1000,
    signingKeyFile: cfg.signingKeyFile,
    maxPendingBytes: cfg.maxPendingBytes,
    logger: log,
    ...(metrics ? { onSync: (seconds: number) => metrics.auditSync.observe(seconds) } : {}),
  });
  if (metrics) {
    metrics.auditHealthy.track({}, () => (writer.healthy ? 1 : 0));
    metrics.auditRecords.track({ outcome: 'appended' }, () => writer.stats.appended);
    metrics.auditRecords.track({ outcome: 'durable' }, () => writer.stats.durable);
    metrics.auditRecords.track({ outcome: 'dropped' }, () => writer.stats.dropped);
    metrics.auditBytes.track({}, () => writer.stats.bytes);
  }
  const strict = cfg.fsync === 'always';
  const refuse = cfg.onFailure === 'refuse';
  const capture = { mode: cfg.payloads, truncateBytes: cfg.truncateBytes };
  const opts: ExchangeRecordOptions = { request: capture, response: capture };

  function lost(ctx: { id: string }, err?: unknown): Promise<void> | undefined {
    metrics?.auditFailures.inc({ outcome: refuse ? 'refused' : 'served_without_record' });
    if (!refuse) return undefined;
    log.error({ reqId: ctx.id }, 'audit: record not durable; exchange refused');
    return Promise.reject(unavailable(err));
  }

  return {
    writer,
    get refusing() {
      return refuse && !writer.healthy;
    },
    exchange: function auditExchange(ctx) {
      let seq: number;
      try {
        const bodies = auditBodies(ctx);
        seq = writer.append(buildExchangeRecord({ ...ctx, maskedRequest: bodies.request, maskedResponse: bodies.response }, opts));
      } catch (err) {
        logger.error({ reqId: ctx.id, err: (err as Error).message }, 'audit: record could not be built');
        return lost(ctx, err);
      }
      // Dropped (backlog full while the disk fails): no record will ever exist for this exchange.
      if (seq < 0) return lost(ctx);
      // `always`: the client sees the end of a response only once its record is on disk (no loss window).
      if (strict) return writer.flush().catch((err: unknown) => lost(ctx, err));
      return undefined;
    },
    append: (record) => void writer.append(record),
    health() {
      if (writer.healthy) return { ok: true };
      const e = writer.stats;
      return { ok: !refuse, detail: `writes failing (${e.writeErrors} errors, ${e.pendingBytes} bytes pending)` };
    },
    close: () => writer.close(),
  };
}
