// The gateway's audit step: one hash-chained record per exchange, appended on the main thread. When a record cannot
// be made durable, `audit.onFailure` decides: `refuse` (default) fails the exchange closed, `serve` keeps serving
// and leaves a gap marker in the chain for every record lost.
import type { AuditConfig } from '../config/schema.js';
import type { AuditStep } from '../ports.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { SluiceError } from '../errors.js';
import type { RequestContext } from '../context.js';
import { createAuditWriter, type AuditWriter } from './writer.js';
import { auditBodies } from './redact.js';
import { buildExchangeRecord, type AuditRecordInput, type ExchangeRecordOptions } from './record.js';
import type { PostgresSink } from './db/sink.js';

export interface GatewayAudit extends AuditStep {
  /** Records that are not exchanges (approval decisions, shadow calls). */
  append(record: AuditRecordInput): void;
  /**
   * An exchange record built on an HTTP thread (exchangeRecordOf): appended with the same durability and failure
   * handling as `exchange()`.
   */
  appendExchange(record: AuditRecordInput, reqId: string): Promise<void> | undefined;
  /** `fsync: always`: an exchange's answer ends only once its record is on disk. */
  readonly strict: boolean;
  /** Called whenever `refusing` changes (HTTP threads mirror it). */
  onRefusingChange(cb: (refusing: boolean) => void): void;
  readonly writer: AuditWriter | undefined;
  /** For /readyz: whether records are being made durable, and the last failure while they are not. */
  health(): { ok: boolean; detail?: string };
  /** Resolves once the optional database sink has checked its schema (rejects on a wrong schema version). */
  readonly started: Promise<void>;
  /** The PostgreSQL sink, when `audit.sinks` lists postgres (after `started`). */
  readonly db: PostgresSink | undefined;
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
    return {
      writer: undefined,
      refusing: false,
      strict: false,
      exchange: () => undefined,
      append() {},
      appendExchange: () => undefined,
      onRefusingChange() {},
      health: () => ({ ok: true, detail: 'disabled' }),
      started: Promise.resolve(),
      db: undefined,
      async close() {},
    };
  }
  const log = logger.child({ component: 'audit' });
  const refuse = cfg.onFailure === 'refuse';
  const refusingListeners: Array<(refusing: boolean) => void> = [];
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
    // The database sink follows what is durable, not what is appended.
    onDurable: () => db?.notify(),
    onHealth: (healthy) => {
      if (refuse) for (const cb of refusingListeners) cb(!healthy);
    },
  });
  if (metrics) {
    metrics.auditHealthy.track({}, () => (writer.healthy ? 1 : 0));
    metrics.auditRecords.track({ outcome: 'appended' }, () => writer.stats.appended);
    metrics.auditRecords.track({ outcome: 'durable' }, () => writer.stats.durable);
    metrics.auditRecords.track({ outcome: 'dropped' }, () => writer.stats.dropped);
    metrics.auditBytes.track({}, () => writer.stats.bytes);
  }
  const strict = cfg.fsync === 'always';
  const opts = exchangeRecordOptions(cfg);
  let db: PostgresSink | undefined;
  const started = cfg.sinks.includes('postgres') && cfg.postgres ? startDb(cfg.postgres) : Promise.resolve();
  // A failed start is reported by whoever awaits `started` (main.ts); never an unhandled rejection here.
  started.catch(() => undefined);

  // The database sink follows the files (src/audit/db/): it never sits on the request path.
  async function startDb(pgCfg: NonNullable<AuditConfig['postgres']>): Promise<void> {
    const { createPostgresSink } = await import('./db/sink.js');
    const sink = await createPostgresSink(pgCfg, { dir: cfg.dir, instance: cfg.instance, durableSeq: () => writer.stats.durableSeq, logger: log });
    db = sink;
    metrics?.auditDbLagRecords.track({}, () => sink.stats.lagRecords);
    metrics?.auditDbLagSeconds.track({}, () => sink.stats.lagSeconds);
    metrics?.auditDbShipped.track({}, () => sink.stats.shipped);
  }

  function lost(ctx: { id: string }, err?: unknown): Promise<void> | undefined {
    metrics?.auditFailures.inc({ outcome: refuse ? 'refused' : 'served_without_record' });
    if (!refuse) return undefined;
    log.error({ reqId: ctx.id }, 'audit: record not durable; exchange refused');
    return Promise.reject(unavailable(err));
  }

  function appendExchange(record: AuditRecordInput, reqId: string): Promise<void> | undefined {
    const ctx = { id: reqId };
    let seq: number;
    try {
      seq = writer.append(record);
    } catch (err) {
      logger.error({ reqId, err: (err as Error).message }, 'audit: record could not be written');
      return lost(ctx, err);
    }
    // Dropped (backlog full while the disk fails): no record will ever exist for this exchange.
    if (seq < 0) return lost(ctx);
    // `always`: the client sees the end of a response only once its record is on disk (no loss window).
    if (strict) return writer.flush().catch((err: unknown) => lost(ctx, err));
    return undefined;
  }

  return {
    writer,
    get refusing() {
      return refuse && !writer.healthy;
    },
    strict,
    onRefusingChange: (cb) => void refusingListeners.push(cb),
    exchange: function auditExchange(ctx) {
      let record: AuditRecordInput;
      try {
        record = exchangeRecordOf(ctx, opts);
      } catch (err) {
        logger.error({ reqId: ctx.id, err: (err as Error).message }, 'audit: record could not be built');
        return lost(ctx, err);
      }
      return appendExchange(record, ctx.id);
    },
    appendExchange,
    append: (record) => void writer.append(record),
    health() {
      if (writer.healthy) return { ok: true };
      const e = writer.stats;
      return { ok: !refuse, detail: `writes failing (${e.writeErrors} errors, ${e.pendingBytes} bytes pending)` };
    },
    started,
    get db() {
      return db;
    },
    async close() {
      await writer.close();
      await started.catch(() => undefined);
      await db?.close();
    },
  };
}

/** How much of the bodies an exchange record keeps (`audit.payloads`, `audit.truncateBytes`). */
export function exchangeRecordOptions(cfg: Pick<AuditConfig, 'payloads' | 'truncateBytes'>): ExchangeRecordOptions {
  const capture = { mode: cfg.payloads, truncateBytes: cfg.truncateBytes };
  return { request: capture, response: capture };
}

/** The exchange record of `ctx` with its bodies redacted for the audit trail: built on the thread that served it. */
export function exchangeRecordOf(ctx: RequestContext, opts: ExchangeRecordOptions): AuditRecordInput {
  const bodies = auditBodies(ctx);
  return buildExchangeRecord({ ...ctx, maskedRequest: bodies.request, maskedResponse: bodies.response }, opts);
}
