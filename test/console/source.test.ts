// Where the console reads the audit trail: the store first, the files after any failure of the store (even one
// after some rows arrived), with a reason that names the error and never the database URL.
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createAuditWriter } from '../../src/audit/writer.js';
import { readAudit, type AuditReader, type SourcedRecord } from '../../src/console/source.js';
import { memoryLogger, sampleRecord, tmpDir } from '../audit/helpers.js';

async function filesWith(n: number): Promise<string> {
  const dir = tmpDir();
  const w = createAuditWriter({ dir, logger: memoryLogger() });
  for (let i = 1; i <= n; i++) w.append(sampleRecord(i));
  await w.close();
  return dir;
}

/** A pool whose queries answer `pages` in turn, then fail with `err`. */
function pool(pages: Array<Array<Record<string, unknown>>>, err: unknown): pg.Pool {
  return { query: async () => {
    const rows = pages.shift();
    if (!rows) throw err;
    return { rows };
  } } as unknown as pg.Pool;
}

const collect = async (r: AuditReader) => {
  const out: SourcedRecord[] = [];
  for await (const rec of r.search({})) out.push(rec);
  return out;
};

describe('console audit source', () => {
  it('reads the store when it answers, each record naming its instance', async () => {
    const dir = await filesWith(1);
    const line = JSON.stringify({ seq: 7, time: '2026-01-01T00:00:00.000Z', kind: 'exchange', prev: 'a', hash: 'b' });
    const { value, source } = await readAudit({ dir, store: { pool: pool([[{ instance: 'gw-b', seq: '7', time: new Date(0), line }]], new Error('no more')), table: 't', instance: 'gw-a' } }, collect);
    expect(source).toEqual({ kind: 'store' });
    expect(value.map((r) => `${r.instance}:${r.seq}`)).toEqual(['gw-b:7']);
  });

  it('falls back to the files when the store fails, naming the error (an AggregateError has no message of its own)', async () => {
    const dir = await filesWith(3);
    const refused = Object.assign(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:5432')], ''), { code: 'ECONNREFUSED' });
    const { value, source } = await readAudit({ dir, store: { pool: pool([], refused), table: 't', instance: 'gw-a' } }, collect);
    expect(source).toEqual({ kind: 'files', instance: 'gw-a', storeError: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(value.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(value.every((r) => r.instance === undefined)).toBe(true);
  });

  it('never mixes a partial store view with the files: the whole view is built again', async () => {
    const dir = await filesWith(2);
    const runs: string[] = [];
    const { value, source } = await readAudit({ dir, store: { pool: pool([], new Error('connection terminated for postgres://sluice:hunter2@db.internal/sluice')), table: 't', instance: 'gw-a' } }, async (r) => {
      const run: string[] = [];
      runs.push('run');
      run.push('scope read');
      await collect(r);
      run.push('results read');
      return run;
    });
    expect(runs).toEqual(['run', 'run']);
    expect(value).toEqual(['scope read', 'results read']);
    expect(source.storeError).toBe('connection terminated for (database URL)');
    expect(source.storeError).not.toContain('hunter2');
  });

  it('reads only the files when no store is configured', async () => {
    const dir = await filesWith(1);
    const { source } = await readAudit({ dir }, collect);
    expect(source).toEqual({ kind: 'files' });
  });
});
