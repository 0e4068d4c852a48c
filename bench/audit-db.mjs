// `node bench/audit-db.mjs --db URL [--records N] [--batch N] [--body BYTES] [--requests N] [--repeat N] [--outage N] [--only shipper|e2e]`:
// the PostgreSQL audit store's cost and catch-up rate, in two parts.
// - shipper: writes N exchange-sized records to a fresh folder, then ships them (as after an outage) and reports
//   records/s and the CPU the shipper spends per record. `--body 4096` gives the records the e2e part's size (9.4 KB:
//   4 KiB request and response text) instead of 1.4 KB.
// - e2e: Sluice under load with `audit.sinks: [file, postgres]` against `[file]` alone (CPU µs per request of the
//   Sluice process, rounds interleaved), then an outage and the catch-up rate (bench/lib/audit-store.js).
// Needs `npm run build` and a database (its schema is applied to a throwaway table, dropped at the end).
// `npm run bench -- --db URL` runs the e2e part too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAuditWriter } from '../dist/audit/writer.js';
import { createPool, migrate } from '../dist/audit/db/pg.js';
import { createShipper } from '../dist/audit/db/shipper.js';
import { auditStorePhase } from './lib/audit-store.js';
import { prepareSluice } from './lib/sluice-config.js';
import { startMock } from './lib/targets.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' }, records: { type: 'string', default: '50000' }, batch: { type: 'string', default: '500' }, body: { type: 'string' },
    requests: { type: 'string', default: '5000' }, repeat: { type: 'string', default: '3' }, outage: { type: 'string', default: '10000' },
    only: { type: 'string' },
  },
});
const url = values.db ?? process.env.SLUICE_AUDIT_DB;
if (!url || (values.only !== undefined && values.only !== 'shipper' && values.only !== 'e2e')) {
  console.log('usage: node bench/audit-db.mjs --db postgres://... [--records N] [--batch N] [--body BYTES] [--requests N] [--repeat N] [--outage N] [--only shipper|e2e]');
  process.exit(2);
}
if (values.only !== 'e2e') await shipperAlone();
if (values.only !== 'shipper') {
  console.log('\nend to end (Sluice with and without the postgres sink, same run):');
  const mock = await startMock();
  const files = await prepareSluice(mock.url);
  try {
    await auditStorePhase({ url, files, token: await files.token(), requests: Number(values.requests), repeat: Number(values.repeat), outage: Number(values.outage), log: console.log });
  } finally {
    await mock.stop();
    files.cleanup();
  }
}
process.exit(0);

async function shipperAlone() {
  const n = Number(values.records);
  const batch = Number(values.batch);
  const table = `bench_audit_${process.pid}`;
  const quiet = { info() {}, warn() {}, error: (o, m) => console.error(m, o) };
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-audit-'));
  const pool = createPool({ url, max: 2 });
  try {
    await migrate(pool, table);
    const w = createAuditWriter({ dir, logger: quiet, maxPendingBytes: 1 << 30 });
    const wcpu0 = process.cpuUsage();
    const body = values.body === undefined ? undefined : Number(values.body);
    // --body: a chat request's JSON (quotes and newlines escaped once more in the record), as the e2e part sends.
    const line = 'Summarise the order history of customer 1234 and flag anything unusual.\n';
    const text = body === undefined ? line.trim().concat(' ').repeat(20) : JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: line.repeat(Math.ceil(body / line.length)) }] });
    for (let i = 0; i < n; i++) {
      w.append({
        kind: 'exchange',
        requestId: `req-${i}`,
        identity: { subject: `svc-${i % 50}`, groups: ['streaming-jobs'], job: 'flink-enrich', session: `sess-${i % 1000}` },
        connection: 'openai', route: 'chat', model: 'gpt-4o-mini', stream: false, decision: i % 4 === 0 ? 'masked' : 'allowed',
        findings: i % 4 === 0 ? [{ detector: 'card', type: 'pii', action: 'mask', count: 1 }] : [],
        request: { mode: 'truncated', bytes: 4096, text: text.slice(0, body ?? 1024) },
        response: { mode: 'full', bytes: 300, text: text.slice(0, body ?? 300) },
        usage: { prompt: 300, completion: 80, total: 380 }, status: 200,
        latency: { authMs: 0.05, inspectMs: 0.2, upstreamMs: 120, approvalMs: null, totalMs: 121, overheadMs: 0.6 },
      });
      if (i % 5000 === 4999) await w.flush();
    }
    await w.close();
    const recordBytes = w.stats.bytes;
    const wcpu = process.cpuUsage(wcpu0);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const s = createShipper({ pool, table, instance: 'bench', dir, batchMaxRecords: batch, batchMaxMs: 10, retentionDays: 0, logger: quiet });
    await s.drain(600_000);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await s.close();
    const st = s.stats;
    const size = (await pool.query(`SELECT pg_total_relation_size(c.oid) AS b FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${table}'::regclass`)).rows.reduce((a, r) => a + Number(r.b), 0);
    console.log(`records            ${st.shipped} shipped (batch ${batch}), ${st.duplicates} duplicates, ${Math.round(recordBytes / n)} bytes each on average`);
    console.log(`catch-up rate      ${Math.round(st.shipped / secs)} records/s (${secs.toFixed(2)} s)`);
    console.log(`shipper CPU        ${((cpu.user + cpu.system) / st.shipped).toFixed(1)} µs per record (process user+system, all threads)`);
    console.log(`file writer CPU    ${((wcpu.user + wcpu.system) / n).toFixed(1)} µs per record, for comparison (append + hash + write + fdatasync)`);
    console.log(`database size      ${(size / st.shipped).toFixed(0)} bytes per record (table + indexes)`);
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_checkpoints, ${table}_migrations CASCADE`).catch(() => undefined);
    await pool.query(`DROP FUNCTION IF EXISTS ${table}_ensure_day(date), ${table}_drop_before(date)`).catch(() => undefined);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
