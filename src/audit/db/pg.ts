// Connections to the audit database (the official `pg` client) and the migrations table.
import pg from 'pg';
import { LATEST_VERSION, MIGRATIONS, migrationSql, tableName } from './migrations.js';

export type Pool = pg.Pool;

export interface DbOptions {
  url: string;
  table?: string;
  /** Connections at most (the shipper needs one; the CLI two). */
  max?: number;
}

export const DEFAULT_TABLE = 'sluice_audit';

export function createPool(o: DbOptions): pg.Pool {
  // A query that hangs (a database behind a dead link) must not hold the shipper forever: fail and retry.
  const pool = new pg.Pool({ connectionString: o.url, max: o.max ?? 2, connectionTimeoutMillis: 5_000, query_timeout: 30_000, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (database restart) emits here; without a listener the process would exit.
  pool.on('error', () => undefined);
  return pool;
}

const MIGRATIONS_TABLE = (t: string) => `${t}_migrations`;

/** The schema version in the database (0: none yet). */
export async function schemaVersion(pool: pg.Pool, table = DEFAULT_TABLE): Promise<number> {
  const t = tableName(table);
  const exists = await pool.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [MIGRATIONS_TABLE(t)]);
  if (exists.rows[0].r === null) return 0;
  const r = await pool.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${MIGRATIONS_TABLE(t)}`);
  return r.rows[0].v ?? 0;
}

/** Applies every migration newer than the database's version, each in its own transaction; returns those applied. */
export async function migrate(pool: pg.Pool, table = DEFAULT_TABLE): Promise<Array<{ version: number; name: string }>> {
  const t = tableName(table);
  const client = await pool.connect();
  client.on('error', () => undefined);
  const applied: Array<{ version: number; name: string }> = [];
  try {
    // Two `sluice db migrate` at once (a rollout) must not both apply a migration.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`${t}_migrate`]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE(t)} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${MIGRATIONS_TABLE(t)}`);
    const current = rows[0].v ?? 0;
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query('BEGIN');
      try {
        await client.query(migrationSql(m, t));
        await client.query(`INSERT INTO ${MIGRATIONS_TABLE(t)} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push({ version: m.version, name: m.name });
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`${t}_migrate`]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/** Throws unless the database has exactly the schema this build expects (the gateway checks; `db migrate` applies). */
export async function requireSchema(pool: pg.Pool, table = DEFAULT_TABLE): Promise<void> {
  const v = await schemaVersion(pool, table);
  if (v < LATEST_VERSION) throw new Error(`the audit database has schema version ${v}, this build needs ${LATEST_VERSION}: run \`sluice db migrate\``);
  if (v > LATEST_VERSION) throw new Error(`the audit database has schema version ${v}, newer than this build's ${LATEST_VERSION}`);
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
