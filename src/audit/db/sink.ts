// The `postgres` audit sink: behind the file sink, never in front of it. It checks the schema, then runs a shipper
// that follows the writer's durable records. A database that is down or slow costs the gateway nothing but lag,
// which /metrics and /readyz report.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AuditLogger } from '../config.js';
import { createPool, redactUrl, requireSchema } from './pg.js';
import type { Shipper, ShipperStats } from './shipper.js';
import { startShipperThread } from './shipper-thread.js';
import { tableName } from './migrations.js';

export interface PostgresSinkConfig {
  url: string;
  table: string;
  batchMaxRecords: number;
  batchMaxMs: number;
  retentionDays: number;
}

export interface PostgresSink {
  notify(): void;
  drain(timeoutMs?: number): Promise<void>;
  readonly stats: ShipperStats;
  /** For /readyz: always ok (the files are the durability point); the detail says how far behind it is. */
  health(): { ok: boolean; detail: string };
  close(): Promise<void>;
}

export async function createPostgresSink(
  cfg: PostgresSinkConfig,
  o: { dir: string; instance?: string; durableSeq: () => number; logger: AuditLogger; workerFile?: string },
): Promise<PostgresSink> {
  const table = tableName(cfg.table);
  const pool = createPool({ url: cfg.url, table, max: 2 });
  const instance = o.instance ?? instanceId(o.dir);
  try {
    await requireSchema(pool, table);
  } catch (err) {
    // Unreachable at start: ship later (the files hold everything). A wrong schema version is a configuration error.
    if (/schema version/.test((err as Error).message)) {
      await pool.end();
      throw err;
    }
    o.logger.error({ db: redactUrl(cfg.url), err: (err as Error).message }, 'audit db: not reachable at start; records are kept in the files and shipped once it is');
  }
  // The shipper runs on its own thread with its own connections; this pool only checked the schema.
  await pool.end();
  const shipper: Shipper = startShipperThread({ ...cfg, instance, dir: o.dir, table, durableSeq: o.durableSeq, logger: o.logger, ...(o.workerFile ? { workerFile: o.workerFile } : {}) });
  o.logger.info({ db: redactUrl(cfg.url), table, instance }, 'audit db: shipping records');
  return {
    notify: () => shipper.notify(),
    drain: (ms) => shipper.drain(ms),
    get stats() {
      return shipper.stats;
    },
    health() {
      const s = shipper.stats;
      const state = s.healthy ? 'shipping' : `failing (${s.lastError ?? 'unknown error'})`;
      return { ok: true, detail: `${state}; ${s.lagRecords} record(s), ${s.lagSeconds} s behind` };
    },
    async close() {
      // A last batch on a clean stop, bounded: what is left is shipped on the next start.
      await shipper.drain(5_000).catch(() => undefined);
      await shipper.close();
    },
  };
}

/** The id of this folder's chain: made once and kept next to the files, so a restart (or a new pod name) keeps it. */
export function instanceId(dir: string): string {
  const file = join(dir, 'instance');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = `${hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 100)}-${randomBytes(4).toString('hex')}`;
  writeFileSync(file, `${id}\n`, { mode: 0o640, flag: 'wx' });
  return id;
}
