// The shipper on its own thread (src/audit/db/shipper-thread.ts) against a real PostgreSQL: it follows the writer's
// durable seq without being asked per record, reports lag and drains, and a thread that dies is replaced by one that
// resumes where the database stopped (nothing lost, nothing twice).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuditWriter } from '../../../src/audit/index.js';
import { createPool, migrate, type Pool } from '../../../src/audit/db/pg.js';
import { startShipperThread } from '../../../src/audit/db/shipper-thread.js';
import type { Shipper } from '../../../src/audit/db/shipper.js';
import { compareWithFiles } from '../../../src/audit/db/query.js';
import { readLines } from '../../../src/audit/read.js';
import { startPostgres, type PgServer } from '../../helpers/postgres.js';

const T = 'sluice_audit';
const record = (i: number) => ({ kind: 'exchange' as const, requestId: `r-${i}`, identity: { subject: 'ann', groups: ['g'], job: 'spark', session: 's' }, decision: 'allowed' as const, status: 200, request: { mode: 'full' as const, bytes: 20, text: `{"n":${i},"q":"\\"x\\""}` } });

describe('the shipper thread', { timeout: 60_000 }, () => {
  let pg: PgServer;
  let pool: Pool;
  const dirs: string[] = [];
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    pg = await startPostgres();
    pool = createPool({ url: pg.url, max: 2 });
    await migrate(pool, T);
  }, 60_000);

  afterAll(async () => {
    for (const o of open.reverse()) await o.close().catch(() => undefined);
    await pool?.end();
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function setup(instance: string, logs: string[], workerFile?: string) {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-shipper-thread-'));
    dirs.push(dir);
    let shipper: Shipper | undefined;
    const logger = { info: (_o: object, m: string) => logs.push(m), warn: (_o: object, m: string) => logs.push(m), error: (_o: object, m: string) => logs.push(m) };
    const w = createAuditWriter({ dir, logger, groupCommitMs: 1, onDurable: () => shipper?.notify() });
    shipper = startShipperThread({ url: pg.url, table: T, instance, dir, batchMaxRecords: 100, batchMaxMs: 20, retentionDays: 0, retryMs: 100, durableSeq: () => w.stats.durableSeq, logger, ...(workerFile ? { workerFile } : {}) });
    open.push(w, shipper);
    return { dir, w, shipper };
  }

  const count = (instance: string) => pg.psql(`SELECT count(*), count(DISTINCT seq), max(seq) FROM ${T} WHERE instance = '${instance}'`).trim().split('|').map(Number);

  it('ships what becomes durable, reports lag, drains, and stores every line as it is in the files', async () => {
    const { dir, w, shipper } = setup('th-a', []);
    for (let i = 1; i <= 450; i++) w.append(record(i));
    await w.flush();
    await shipper.drain(20_000);
    expect(shipper.stats).toMatchObject({ shippedSeq: 450, lagRecords: 0, lagSeconds: 0, shipped: 450, duplicates: 0, healthy: true });
    // No drain this time: the writer's onDurable publishes the durable seq and the thread looks every batchMaxMs.
    for (let i = 451; i <= 470; i++) w.append(record(i));
    await w.flush();
    await expect.poll(() => count('th-a'), { timeout: 10_000 }).toEqual([470, 470, 470]);
    expect(await compareWithFiles(pool, T, 'th-a', readLines(dir))).toMatchObject({ missing: [], different: [], extra: 0, compared: 470 });
  });

  it('replaces a thread that dies, which resumes where the database stopped: nothing lost, nothing twice', async () => {
    const logs: string[] = [];
    const { w, shipper } = setup('th-b', logs, fileURLToPath(new URL('../../fixtures/dying-shipper-worker.mjs', import.meta.url)));
    for (let i = 1; i <= 600; i++) w.append(record(i));
    await w.flush();
    await expect.poll(() => logs.includes('audit db: shipper thread exited; starting another'), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => shipper.drain(5_000).then(() => true, () => false), { timeout: 20_000 }).toBe(true);
    expect(count('th-b')).toEqual([600, 600, 600]);
    expect(shipper.stats).toMatchObject({ shippedSeq: 600, lagRecords: 0, shipped: 600, healthy: true });
    expect(shipper.stats.errors).toBeGreaterThanOrEqual(1);
  });
});
