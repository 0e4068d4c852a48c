// The database side of the CLI: `sluice audit verify|search|replay --db URL`, `sluice audit ship`, and
// `sluice db migrate|status`. Every command opens its own small pool and closes it before returning.
import { parseArgs } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { SluiceError } from '../../errors.js';
import { emit, consoleIo, type CliIo } from '../io.js';
import { readLines } from '../read.js';
import { formatTurn } from '../replay.js';
import { tableHeader, tableRow, type SearchFilter } from '../search.js';
import { createPool, DEFAULT_TABLE, migrate, redactUrl, requireSchema, schemaVersion, type Pool } from './pg.js';
import { LATEST_VERSION, tableName } from './migrations.js';
import { compareWithFiles, searchDb, sessionDb, verifyDb } from './query.js';
import { createShipper } from './shipper.js';
import { instanceId } from './sink.js';
import { clean } from '../replay.js';

export interface DbTarget {
  url: string;
  table: string;
}

export const DB_USAGE = `usage:
  sluice db migrate [--db URL] [--table T]     apply the shipped schema migrations (idempotent)
  sluice db status  [--db URL] [--table T]     schema version, instances and their last seq
  (--db defaults to $SLUICE_AUDIT_DB, then audit.postgres.url of the configuration; --table to sluice_audit)
`;

export function dbTarget(values: { db?: string; table?: string }, fallback?: Partial<DbTarget>): DbTarget {
  const url = values.db ?? process.env.SLUICE_AUDIT_DB ?? fallback?.url;
  if (!url) throw new SluiceError('SLUICE_BAD_REQUEST', 'no database: pass --db URL (or set SLUICE_AUDIT_DB)');
  return { url, table: tableName(values.table ?? fallback?.table ?? DEFAULT_TABLE) };
}

async function withPool<T>(t: DbTarget, f: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool({ url: t.url, max: 2 });
  try {
    return await f(pool);
  } finally {
    await pool.end();
  }
}

export async function dbCommand(argv: string[], io: CliIo = consoleIo(), fallback?: Partial<DbTarget>): Promise<number> {
  const [name, ...rest] = argv;
  if (name !== 'migrate' && name !== 'status') {
    await emit(io.stderr, DB_USAGE);
    return 2;
  }
  let t: DbTarget;
  try {
    const { values } = parseArgs({ args: rest, options: { db: { type: 'string' }, table: { type: 'string' } } });
    t = dbTarget(values, fallback);
  } catch (err) {
    await emit(io.stderr, `sluice db ${name}: ${(err as Error).message}\n${DB_USAGE}`);
    return 2;
  }
  try {
    return await withPool(t, async (pool) => {
      if (name === 'migrate') {
        const applied = await migrate(pool, t.table);
        for (const m of applied) await emit(io.stdout, `applied ${m.version}: ${m.name}\n`);
        await emit(io.stdout, `${redactUrl(t.url)} table ${t.table}: schema version ${LATEST_VERSION}${applied.length === 0 ? ' (already up to date)' : ''}\n`);
        return 0;
      }
      const v = await schemaVersion(pool, t.table);
      await emit(io.stdout, `${redactUrl(t.url)} table ${t.table}: schema version ${v} (this build: ${LATEST_VERSION})\n`);
      if (v > 0) {
        const { rows } = await pool.query<{ instance: string; n: string; last: string; newest: Date }>(`SELECT instance, count(*) AS n, max(seq) AS last, max(time) AS newest FROM ${t.table} GROUP BY instance ORDER BY instance`);
        for (const r of rows) await emit(io.stdout, `  ${r.instance}: ${r.n} record(s), last seq ${r.last}, newest ${r.newest.toISOString()}\n`);
      }
      return v === LATEST_VERSION ? 0 : 1;
    });
  } catch (err) {
    await emit(io.stderr, `sluice db ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

export async function verifyFromDb(t: DbTarget, o: { publicKey?: KeyObject; instance?: string; dir?: string }, io: CliIo): Promise<number> {
  return withPool(t, async (pool) => {
    await requireSchema(pool, t.table);
    const only = o.dir !== undefined ? (o.instance ?? instanceId(o.dir)) : o.instance;
    const r = await verifyDb(pool, t.table, { publicKey: o.publicKey, only });
    let ok = r.ok;
    for (const { instance, report, columnIssues } of r.instances) {
      for (const i of report.issues) await emit(io.stdout, `${instance} seq ${i.line}: ${i.severity} ${i.code}: ${i.message}\n`);
      for (const c of columnIssues) await emit(io.stdout, `${instance} seq ${c.seq}: error column_mismatch: column ${c.column} does not say what the record's line says: the row was edited\n`);
      const summary = `${report.records} record(s), last seq ${report.lastSeq}, ${report.checkpoints} checkpoint(s), ${report.signaturesVerified} signature(s) verified`;
      const bad = report.errors + columnIssues.length;
      await emit(io.stdout, bad === 0 ? `OK ${instance}: ${summary}\n` : `FAILED ${instance}: ${bad} error(s) in ${summary}\n`);
    }
    if (r.instances.length === 0) {
      await emit(io.stdout, only ? `FAILED: no records for instance ${only}\n` : 'no records in the database\n');
      if (only) ok = false;
    }
    if (o.dir !== undefined && only) {
      // The files of this instance against its rows: every durable record must be there, unchanged.
      const c = await compareWithFiles(pool, t.table, only, readLines(o.dir));
      const same = c.missing.length === 0 && c.different.length === 0;
      const head = (xs: number[]) => xs.slice(0, 10).join(', ') + (xs.length > 10 ? ', …' : '');
      if (c.missing.length > 0) await emit(io.stdout, `${only}: ${c.missing.length} record(s) of ${o.dir} missing from the database (seq ${head(c.missing)})\n`);
      if (c.different.length > 0) await emit(io.stdout, `${only}: ${c.different.length} record(s) differ from ${o.dir} (seq ${head(c.different)})\n`);
      await emit(io.stdout, `${same ? 'EQUAL' : 'DIFFERENT'}: ${c.compared} record(s) in ${o.dir} compared with the database${c.extra > 0 ? `; the database holds ${c.extra} more (not in these files)` : ''}\n`);
      if (!same) ok = false;
    }
    return ok ? 0 : 1;
  });
}

export async function searchFromDb(t: DbTarget, filter: SearchFilter, json: boolean, io: CliIo): Promise<number> {
  return withPool(t, async (pool) => {
    let n = 0;
    if (!json) await emit(io.stdout, `${'INSTANCE'.padEnd(20)} ${tableHeader()}`);
    for await (const rec of searchDb(pool, t.table, filter)) {
      n++;
      const { instance, ...plain } = rec;
      await emit(io.stdout, json ? JSON.stringify({ instance, ...plain }) + '\n' : `${clean(instance).slice(0, 20).padEnd(20)} ${tableRow(rec)}`);
    }
    return n;
  });
}

export async function replayFromDb(t: DbTarget, session: string, io: CliIo): Promise<number> {
  return withPool(t, async (pool) => {
    let turn = 0;
    for await (const rec of sessionDb(pool, t.table, session)) {
      if (turn === 0) await emit(io.stdout, `Session ${clean(session)}\n`);
      await emit(io.stdout, formatTurn(rec, ++turn).replace(/\n/, `  [instance ${clean(rec.instance)}]\n`));
    }
    if (turn === 0) await emit(io.stderr, `no records for session ${clean(session)}\n`);
    return turn;
  });
}

/** Ships a folder (a stopped or decommissioned instance) until the database holds every complete record in it. */
export async function shipFolder(t: DbTarget, dir: string, instance: string | undefined, io: CliIo): Promise<number> {
  return withPool(t, async (pool) => {
    await requireSchema(pool, t.table);
    const id = instance ?? instanceId(dir);
    const quiet = { info() {}, warn() {}, error(o: object, m: string) { void emit(io.stderr, `${m} ${JSON.stringify(o)}\n`); } };
    const started = Date.now();
    const shipper = createShipper({ pool, table: t.table, instance: id, dir, batchMaxRecords: 1000, batchMaxMs: 10, retentionDays: 0, logger: quiet, retryMs: 500 });
    try {
      await shipper.drain(600_000);
    } finally {
      await shipper.close();
    }
    const s = shipper.stats;
    const secs = (Date.now() - started) / 1000;
    await emit(io.stdout, `${id}: ${s.shipped} record(s) shipped, ${s.duplicates} already there, database at seq ${s.shippedSeq} (${Math.round(s.shipped / Math.max(secs, 0.001))} records/s)\n`);
    return 0;
  });
}
