// Reading the shared store: search, a session's replay across instances, and verification of every instance's
// chain (each row's hash recomputed from its stored line, seq/prev links, and the columns checked against the line).
import type pg from 'pg';
import type { AuditLine } from '../read.js';
import { parse } from '../read.js';
import type { AuditRecord } from '../record.js';
import type { SearchFilter } from '../search.js';
import { verifyAuditLog, type VerifyReport } from '../verify.js';
import type { KeyObject } from 'node:crypto';
import { rowOf, type AuditRow } from './row.js';

const PAGE = 2000;

export type DbRecord = AuditRecord & { instance: string };

/** Matching records of every instance, oldest first (time, then instance and seq), streamed page by page. */
export async function* searchDb(pool: pg.Pool, table: string, f: SearchFilter, limit = Number.MAX_SAFE_INTEGER): AsyncGenerator<DbRecord> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    args.push(v);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (f.subject !== undefined) add('subject = ?', f.subject);
  if (f.job !== undefined) add('job = ?', f.job);
  if (f.session !== undefined) add('session = ?', f.session);
  if (f.decision !== undefined) add('decision = ?', f.decision);
  if (f.kind !== undefined) add('kind = ?', f.kind);
  if (f.detector !== undefined) add('detectors @> ARRAY[?]::text[]', f.detector);
  if (f.since !== undefined) add('time >= ?', new Date(f.since).toISOString());
  if (f.until !== undefined) add('time < ?', new Date(f.until).toISOString());
  let after: { time: string; instance: string; seq: number } | undefined;
  let left = limit;
  for (;;) {
    const page: unknown[] = [...args];
    const conds = [...where];
    if (after) {
      page.push(after.time, after.instance, after.seq);
      conds.push(`(time, instance, seq) > ($${page.length - 2}::timestamptz, $${page.length - 1}, $${page.length})`);
    }
    const sql = `SELECT instance, seq, time, line FROM ${table} ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY time, instance, seq LIMIT ${Math.min(PAGE, left)}`;
    const { rows } = await pool.query<{ instance: string; seq: string; time: Date; line: string }>(sql, page);
    for (const r of rows) {
      const rec = parse(r.line);
      if (rec) yield Object.assign(rec, { instance: r.instance });
    }
    left -= rows.length;
    if (rows.length < PAGE || left <= 0) return;
    const last = rows[rows.length - 1];
    after = { time: last.time.toISOString(), instance: last.instance, seq: Number(last.seq) };
  }
}

/** One session's records from every instance in the order they happened (checkpoints have no session). */
export function sessionDb(pool: pg.Pool, table: string, session: string): AsyncGenerator<DbRecord> {
  return searchDb(pool, table, { session });
}

export async function instances(pool: pg.Pool, table: string): Promise<Array<{ instance: string; records: number; lastSeq: number }>> {
  const { rows } = await pool.query<{ instance: string; n: string; last: string }>(`SELECT instance, count(*) AS n, max(seq) AS last FROM ${table} GROUP BY instance ORDER BY instance`);
  return rows.map((r) => ({ instance: r.instance, records: Number(r.n), lastSeq: Number(r.last) }));
}

/** One instance's rows in seq order as audit lines (file = the instance, line = the seq); columns checked on the way. */
async function* instanceLines(pool: pg.Pool, table: string, instance: string, columnIssues: ColumnIssue[]): AsyncGenerator<AuditLine> {
  let after = -1;
  for (;;) {
    const { rows } = await pool.query<DbRow>(
      `SELECT seq, time, kind, subject, job, session, decision, detectors, model, status, request_id, prev, hash, line FROM ${table} WHERE instance = $1 AND seq > $2 ORDER BY seq LIMIT ${PAGE}`,
      [instance, after],
    );
    for (const r of rows) {
      const bad = columnsDiffer(r);
      if (bad) columnIssues.push({ instance, seq: Number(r.seq), column: bad });
      yield { file: instance, line: Number(r.seq), text: r.line, torn: false };
    }
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1].seq);
  }
}

/** A row as `pg` returns it: the columns of `AuditRow` (bigint seq as text, timestamptz as a Date). */
type DbRow = Omit<AuditRow, 'seq' | 'time' | 'checkpoint'> & { seq: string; time: Date };

export interface ColumnIssue {
  instance: string;
  seq: number;
  column: string;
}

/** The first column whose value is not what the stored line says (a row edited around its hash), or undefined. */
function columnsDiffer(r: DbRow): string | undefined {
  const x = rowOf(r.line);
  if (!x) return undefined; // verify reports the line itself
  const same: Array<[string, unknown, unknown]> = [
    ['seq', Number(r.seq), x.seq],
    ['time', r.time.getTime(), Date.parse(x.time)],
    ['kind', r.kind, x.kind],
    ['subject', r.subject, x.subject],
    ['job', r.job, x.job],
    ['session', r.session, x.session],
    ['decision', r.decision, x.decision],
    ['detectors', JSON.stringify([...r.detectors].sort()), JSON.stringify([...x.detectors].sort())],
    ['model', r.model, x.model],
    ['status', r.status, x.status],
    ['request_id', r.request_id, x.request_id],
    ['prev', r.prev, x.prev],
    ['hash', r.hash, x.hash],
  ];
  return same.find(([, a, b]) => a !== b)?.[0];
}

export interface DbVerifyReport {
  ok: boolean;
  instances: Array<{ instance: string; report: VerifyReport; columnIssues: ColumnIssue[] }>;
}

/** Verifies every instance's chain in the database (or only `only`); `maxIssues` problems kept per instance. */
export async function verifyDb(pool: pg.Pool, table: string, opts: { publicKey?: KeyObject; only?: string; maxIssues?: number } = {}): Promise<DbVerifyReport> {
  const out: DbVerifyReport = { ok: true, instances: [] };
  for (const { instance } of await instances(pool, table)) {
    if (opts.only !== undefined && instance !== opts.only) continue;
    const columnIssues: ColumnIssue[] = [];
    const report = await verifyAuditLog({ dir: '', publicKey: opts.publicKey, maxIssues: opts.maxIssues, lines: instanceLines(pool, table, instance, columnIssues) });
    if (!report.ok || columnIssues.length > 0) out.ok = false;
    out.instances.push({ instance, report, columnIssues });
  }
  return out;
}

/** Compares an instance's rows with a folder of files, seq by seq: what the files hold and the database lacks or differs. */
export async function compareWithFiles(pool: pg.Pool, table: string, instance: string, lines: AsyncIterable<AuditLine>): Promise<{ missing: number[]; different: number[]; extra: number; compared: number }> {
  const missing: number[] = [];
  const different: number[] = [];
  let compared = 0;
  const seen = new Set<number>();
  let batch: Array<{ seq: number; hash: string }> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const { rows } = await pool.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${table} WHERE instance = $1 AND seq = ANY($2::bigint[])`, [instance, batch.map((b) => b.seq)]);
    const have = new Map(rows.map((r) => [Number(r.seq), r.hash]));
    for (const b of batch) {
      compared++;
      seen.add(b.seq);
      const h = have.get(b.seq);
      if (h === undefined) missing.push(b.seq);
      else if (h !== b.hash) different.push(b.seq);
    }
    batch = [];
  };
  for await (const l of lines) {
    const r = l.torn ? undefined : rowOf(l.text);
    if (!r) continue;
    batch.push({ seq: r.seq, hash: r.hash });
    if (batch.length >= PAGE) await flush();
  }
  await flush();
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE instance = $1`, [instance]);
  return { missing, different, extra: Number(rows[0].n) - (compared - missing.length), compared };
}
