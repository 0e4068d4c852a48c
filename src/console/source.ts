// Where the console reads the audit trail: the shared PostgreSQL store when `audit.sinks` lists postgres (every
// instance, through the same queries as `sluice audit search|replay|verify --db`), else this instance's files.
// When the store cannot be read, a view is built again from the files and says so: never a silent partial view.
import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import type { AuditRecord } from '../audit/record.js';
import { searchRecords, type SearchFilter } from '../audit/search.js';
import { sessionRecords } from '../audit/replay.js';
import { verifyAuditLog, type VerifyReport } from '../audit/verify.js';
import { searchDb, sessionDb, verifyDb, type ColumnIssue } from '../audit/db/query.js';

export interface AuditStore {
  pool: pg.Pool;
  table: string;
  /** This instance's chain in the store (what the files hold when the console falls back to them). */
  instance: string;
}

/** A record and, read from the store, the instance whose chain holds it. */
export type SourcedRecord = AuditRecord & { instance?: string };

export interface InstanceReport {
  instance?: string;
  report: VerifyReport;
  columnIssues: ColumnIssue[];
}

export interface AuditReader {
  search(f: SearchFilter): AsyncIterable<SourcedRecord>;
  session(id: string): AsyncIterable<SourcedRecord>;
  verify(o: { publicKey?: KeyObject; maxIssues: number }): Promise<InstanceReport[]>;
}

/** What a view was built from: `store`, or `files` (with `storeError` when the store was configured but failed). */
export interface SourceNote {
  kind: 'store' | 'files';
  instance?: string;
  storeError?: string;
}

export function storeReader(s: AuditStore): AuditReader {
  return {
    search: (f) => searchDb(s.pool, s.table, f),
    session: (id) => sessionDb(s.pool, s.table, id),
    async verify(o) {
      return (await verifyDb(s.pool, s.table, o)).instances;
    },
  };
}

export function filesReader(dir: string): AuditReader {
  return {
    search: (f) => searchRecords(dir, f),
    session: (id) => sessionRecords(dir, id),
    async verify(o) {
      return [{ report: await verifyAuditLog({ dir, ...o }), columnIssues: [] }];
    },
  };
}

/**
 * Runs `view` on the store when there is one; if the store fails (at any point, even after some rows), runs it
 * again on the files and notes why. Errors of the files themselves are the caller's.
 */
export async function readAudit<T>(o: { store?: AuditStore; dir: string }, view: (r: AuditReader) => Promise<T>): Promise<{ value: T; source: SourceNote }> {
  if (o.store) {
    try {
      return { value: await view(storeReader(o.store)), source: { kind: 'store' } };
    } catch (err) {
      return { value: await view(filesReader(o.dir)), source: { kind: 'files', instance: o.store.instance, storeError: reason(err) } };
    }
  }
  return { value: await view(filesReader(o.dir)), source: { kind: 'files' } };
}

/** A short, secret-free reason: the error code and message (pg's messages name no password; URLs are not included). */
function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; errors?: Array<{ message?: unknown }> };
  // Connecting to a name with several addresses fails with an AggregateError whose own message is empty.
  const message = typeof e?.message === 'string' && e.message ? e.message : String(e?.errors?.[0]?.message ?? 'unknown error');
  const code = typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ` : '';
  return `${code}${message}`.replace(/postgres(ql)?:\/\/\S+/gi, '(database URL)').slice(0, 200);
}
