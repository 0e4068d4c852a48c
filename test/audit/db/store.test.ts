// The PostgreSQL audit store against a real PostgreSQL (test/helpers/postgres.ts): migrations, batched shipping,
// an outage mid-load caught up exactly once, restarts, search/replay/verify across instances, tampering, retention.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditWriter, type AuditWriter } from '../../../src/audit/index.js';
import { createPool, migrate, schemaVersion, type Pool } from '../../../src/audit/db/pg.js';
import { LATEST_VERSION } from '../../../src/audit/db/migrations.js';
import { createShipper, type Shipper } from '../../../src/audit/db/shipper.js';
import { searchDb, verifyDb, compareWithFiles } from '../../../src/audit/db/query.js';
import { readLines } from '../../../src/audit/read.js';
import { auditCommand } from '../../../src/audit/cli.js';
import { dbCommand } from '../../../src/audit/db/cli.js';
import { startPostgres, type PgServer } from '../../helpers/postgres.js';

const quiet = { info() {}, warn() {}, error() {} };
const T = 'sluice_audit';

function record(i: number, session: string, subject = 'ann') {
  return {
    kind: 'exchange' as const,
    identity: { subject, groups: ['g'], job: 'spark', session },
    decision: i % 3 === 0 ? ('masked' as const) : ('allowed' as const),
    findings: i % 3 === 0 ? [{ detector: 'card', type: 'pii', action: 'mask' as const, count: 1 }] : [],
    model: 'gpt-4o-mini',
    status: 200,
  };
}

function io() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } } as never,
    out: () => out,
    err: () => err,
  };
}

describe('PostgreSQL audit store', { timeout: 120_000 }, () => {
  let pg: PgServer;
  let pool: Pool;
  const dirs: string[] = [];
  const open: Array<{ close(): Promise<void> }> = [];
  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'sluice-audit-db-'));
    dirs.push(d);
    return d;
  };
  const ship = (w: AuditWriter, dir: string, instance: string, over: Partial<Parameters<typeof createShipper>[0]> = {}): Shipper => {
    const s = createShipper({ pool, table: T, instance, dir, batchMaxRecords: 200, batchMaxMs: 20, retentionDays: 0, durableSeq: () => w.stats.durableSeq, logger: quiet, retryMs: 100, ...over });
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    pg = await startPostgres();
    pool = createPool({ url: pg.url, max: 4 });
  }, 60_000);
  afterAll(async () => {
    for (const o of open.reverse()) await o.close().catch(() => undefined);
    await pool?.end();
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('applies the shipped migrations once (sluice db migrate is idempotent)', async () => {
    expect(await schemaVersion(pool)).toBe(0);
    const a = io();
    expect(await dbCommand(['migrate', '--db', pg.url], a.io)).toBe(0);
    expect(a.out()).toContain(`schema version ${LATEST_VERSION}`);
    expect(await migrate(pool)).toEqual([]);
    expect(await schemaVersion(pool)).toBe(LATEST_VERSION);
    const idx = pg.psql(`SELECT indexdef FROM pg_indexes WHERE tablename = '${T}' ORDER BY indexname`);
    for (const col of ['subject', 'job', 'session', 'decision', 'detectors', '(\"time\")']) expect(idx).toContain(col.replace(/"/g, '"'));
  });

  it('ships every durable record once, in batches, with the chain columns', async () => {
    const dir = newDir();
    const w = createAuditWriter({ dir, logger: quiet, groupCommitMs: 1 });
    open.push(w);
    const s = ship(w, dir, 'gw-a');
    for (let i = 1; i <= 1000; i++) w.append(record(i, `sess-a-${i % 10}`));
    await w.flush();
    await s.drain();
    expect(s.stats).toMatchObject({ shippedSeq: 1000, lagRecords: 0, shipped: 1000, duplicates: 0 });
    const [n, distinct, max] = pg.psql(`SELECT count(*), count(DISTINCT seq), max(seq) FROM ${T} WHERE instance = 'gw-a'`).trim().split('|').map(Number);
    expect([n, distinct, max]).toEqual([1000, 1000, 1000]);
    const c = await compareWithFiles(pool, T, 'gw-a', readLines(dir));
    expect(c).toMatchObject({ missing: [], different: [], extra: 0, compared: 1000 });
  });

  it('keeps recording through a database outage and catches up exactly once', async () => {
    const dir = newDir();
    const w = createAuditWriter({ dir, logger: quiet, groupCommitMs: 1 });
    open.push(w);
    const s = ship(w, dir, 'gw-b');
    let i = 0;
    const load = async (n: number) => {
      for (let k = 0; k < n; k++) {
        w.append(record(++i, `sess-b-${i % 7}`));
        if (k % 50 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      await w.flush();
    };
    await load(300);
    await pg.kill();
    await load(700);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.stats.healthy).toBe(false);
    expect(s.stats.lagRecords).toBeGreaterThan(0);
    await pg.start();
    await load(200);
    await s.drain(30_000);
    const [n, distinct, max] = pg.psql(`SELECT count(*), count(DISTINCT seq), max(seq) FROM ${T} WHERE instance = 'gw-b'`).trim().split('|').map(Number);
    expect([n, distinct, max]).toEqual([1200, 1200, 1200]);
    expect(s.stats.healthy).toBe(true);
  });

  it('resumes where the database stopped after a restart (a new shipper on the same folder)', async () => {
    const dir = newDir();
    const w = createAuditWriter({ dir, logger: quiet, groupCommitMs: 1, maxBytes: 64 * 1024 });
    open.push(w);
    const first = ship(w, dir, 'gw-c');
    for (let i = 1; i <= 400; i++) w.append(record(i, 'sess-c'));
    await w.flush();
    await first.drain();
    await first.close();
    for (let i = 401; i <= 900; i++) w.append(record(i, 'sess-c'));
    await w.flush();
    const second = ship(w, dir, 'gw-c');
    await second.drain();
    expect(second.stats).toMatchObject({ shippedSeq: 900, shipped: 500, duplicates: 0 });
    expect(w.stats.rotations).toBeGreaterThan(0);
    // Batches that span files (and so reads): every line stored byte for byte, every hash verified.
    const c = await compareWithFiles(pool, T, 'gw-c', readLines(dir));
    expect(c).toMatchObject({ missing: [], different: [], extra: 0, compared: 900 });
    expect((await verifyDb(pool, T, { only: 'gw-c' })).ok).toBe(true);
  });

  it('searches, replays and verifies across instances; a session spread over instances replays in order', async () => {
    const dirs3 = [newDir(), newDir(), newDir()];
    const ws = dirs3.map((d) => createAuditWriter({ dir: d, logger: quiet, groupCommitMs: 1 }));
    open.push(...ws);
    const ss = ws.map((w, k) => ship(w, dirs3[k], `gw-x${k}`));
    for (let turn = 0; turn < 9; turn++) {
      ws[turn % 3].append({ ...record(turn, 'sess-spread', 'bob'), requestId: `turn-${turn}` });
      await ws[turn % 3].flush();
      await new Promise((r) => setTimeout(r, 3));
    }
    await Promise.all(ss.map((s) => s.drain()));
    const seen = [];
    for await (const r of searchDb(pool, T, { session: 'sess-spread' })) seen.push(`${r.requestId}@${r.instance}`);
    expect(seen).toEqual(Array.from({ length: 9 }, (_, t) => `turn-${t}@gw-x${t % 3}`));
    const cards = [];
    for await (const r of searchDb(pool, T, { detector: 'card', subject: 'bob' })) cards.push(r.requestId);
    expect(cards).toEqual(['turn-0', 'turn-3', 'turn-6']);

    const replay = io();
    expect(await auditCommand(['replay', 'sess-spread', '--db', pg.url], replay.io)).toBe(0);
    expect(replay.out().match(/^#\d+/gm)).toHaveLength(9);
    expect(replay.out()).toContain('[instance gw-x2]');
    const verify = io();
    expect(await auditCommand(['verify', '--db', pg.url], verify.io)).toBe(0);
    for (const k of [0, 1, 2]) expect(verify.out()).toContain(`OK gw-x${k}: 3 record(s)`);
    const cmp = io();
    expect(await auditCommand(['verify', '--db', pg.url, '--instance', 'gw-x1', '--dir', dirs3[1]], cmp.io)).toBe(0);
    expect(cmp.out()).toContain('EQUAL: 3 record(s)');
  });

  it('catches a tampered row: an edited line, an edited column, a deleted row', async () => {
    const before = await verifyDb(pool, T, { only: 'gw-a' });
    expect(before.ok).toBe(true);
    pg.psql(`UPDATE ${T} SET line = replace(line, '"decision":"masked"', '"decision":"allowed"') WHERE instance = 'gw-a' AND seq = 3`);
    pg.psql(`UPDATE ${T} SET subject = 'mallory' WHERE instance = 'gw-a' AND seq = 10`);
    pg.psql(`DELETE FROM ${T} WHERE instance = 'gw-a' AND seq = 20`);
    const out = io();
    expect(await auditCommand(['verify', '--db', pg.url, '--instance', 'gw-a'], out.io)).toBe(1);
    expect(out.out()).toContain('gw-a seq 3: error hash_mismatch');
    expect(out.out()).toContain('gw-a seq 10: error column_mismatch: column subject');
    expect(out.out()).toContain('gw-a seq 21: error seq_gap');
  });

  it('drops whole days past retention', async () => {
    pg.psql(`SELECT ${T}_ensure_day('2020-01-01'::date)`);
    pg.psql(`INSERT INTO ${T} (instance, seq, time, kind, prev, hash, line) VALUES ('old', 1, '2020-01-01T10:00:00Z', 'exchange', 'p', 'h', '{}')`);
    const dir = newDir();
    const w = createAuditWriter({ dir, logger: quiet });
    open.push(w);
    const s = ship(w, dir, 'gw-r', { retentionDays: 30 });
    await s.drain();
    await new Promise((r) => setTimeout(r, 100));
    expect(pg.psql(`SELECT count(*) FROM ${T} WHERE instance = 'old'`).trim()).toBe('0');
    expect(pg.psql(`SELECT to_regclass('${T}_20200101') IS NULL`).trim()).toBe('t');
  });
});
