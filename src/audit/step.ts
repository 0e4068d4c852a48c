// The gateway's audit step: one hash-chained record per exchange, appended on the main thread.
import type { AuditConfig } from '../config/schema.js';
import type { AuditStep } from '../ports.js';
import type { Logger } from '../observe/logger.js';
import { createAuditWriter, type AuditWriter } from './writer.js';
import { auditBodies } from './redact.js';
import { buildExchangeRecord, type AuditRecordInput, type ExchangeRecordOptions } from './record.js';

export interface GatewayAudit extends AuditStep {
  /** Records that are not exchanges (approval decisions, shadow calls). */
  append(record: AuditRecordInput): void;
  readonly writer: AuditWriter | undefined;
  close(): Promise<void>;
}

export function createAuditStep(cfg: AuditConfig, logger: Logger): GatewayAudit {
  if (!cfg.enabled) {
    return { writer: undefined, exchange: () => undefined, append() {}, async close() {} };
  }
  const writer = createAuditWriter({
    dir: cfg.dir,
    fsync: cfg.fsync,
    groupCommitMs: cfg.groupCommitMs,
    maxBytes: cfg.rotateBytes,
    checkpointEvery: cfg.checkpointEvery,
    checkpointIntervalMs: cfg.checkpointSeconds * 1000,
    signingKeyFile: cfg.signingKeyFile,
    logger: logger.child({ component: 'audit' }),
  });
  const strict = cfg.fsync === 'always';
  const capture = { mode: cfg.payloads, truncateBytes: cfg.truncateBytes };
  const opts: ExchangeRecordOptions = { request: capture, response: capture };
  return {
    writer,
    exchange: function auditExchange(ctx) {
      try {
        const bodies = auditBodies(ctx);
        writer.append(buildExchangeRecord({ ...ctx, maskedRequest: bodies.request, maskedResponse: bodies.response }, opts));
      } catch (err) {
        // Audit must never break the request path; the writer counts drops in its stats.
        logger.error({ reqId: ctx.id, err: (err as Error).message }, 'audit: record could not be built');
        return undefined;
      }
      // `always`: the client sees the end of a response only once its record is on disk (no loss window).
      return strict ? writer.flush().catch(() => undefined) : undefined;
    },
    append: (record) => void writer.append(record),
    close: () => writer.close(),
  };
}
