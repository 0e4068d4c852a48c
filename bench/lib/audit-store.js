// The PostgreSQL audit store end to end (issue 21): CPU µs per request of the Sluice process with
// `audit.sinks: [file, postgres]` against `[file]` alone, the same requests and rounds interleaved in one run, and
// the catch-up rate after an outage. The database is reached through a TCP relay in this process, so an outage is
// the relay dropping every connection and refusing new ones: any `--db URL` works, nothing is killed.
// Only the Sluice process's CPU is counted (every thread, shipper included); PostgreSQL's own is not.
import { createServer, connect } from 'node:net';
import { poolFor, postChat, warmUp } from './client.js';
import { chatBodies } from './payload.js';
import { cpuSecondsByThread, cpuSecondsOf } from './procs.js';
import { sluiceTarget } from './targets.js';
import { createPool, migrate } from '../../dist/audit/db/pg.js';

/** A relay to `host:port` on 127.0.0.1; `down()` drops every connection and refuses new ones until `up()`. */
async function relay(host, port) {
  const sockets = new Set();
  let open = true;
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    down() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    up() {
      open = true;
    },
    close: () => new Promise((resolve) => (open = false, sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

/** `n` requests over `connections` closed-loop workers. */
async function run(pool, target, bodies, n, connections) {
  let ok = 0;
  let failed = 0;
  let next = 0;
  async function worker() {
    while (next < n) {
      const status = await postChat(pool, target, bodies[next++ % bodies.length]);
      if (status >= 200 && status < 300) ok++;
      else failed++;
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  return { ok, failed };
}

async function metric(target, name) {
  const text = await (await fetch(`${target.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Waits until the store holds every durable record (lag 0); returns the seconds it took and the scrapes made. */
async function caughtUp(target, timeoutMs, everyMs = 25) {
  const t0 = performance.now();
  let scrapes = 0;
  while (performance.now() - t0 < timeoutMs) {
    scrapes++;
    if ((await metric(target, 'sluice_audit_db_lag_records')) === 0) return { seconds: (performance.now() - t0) / 1000, scrapes };
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`the audit store did not catch up within ${timeoutMs / 1000} s`);
}

/**
 * `url`: the database; `files`/`token`: prepareSluice() and its token; `requests` per target and round;
 * `outage`: requests served while the database is away. Returns the medians and the catch-up figures.
 */
export async function auditStorePhase({ url, files, token, requests = 5000, repeat = 3, connections = 32, outage = 10000, log }) {
  const db = new URL(url);
  const table = `bench_audit_${process.pid}`;
  const admin = createPool({ url, max: 1 });
  const link = await relay(db.hostname, Number(db.port || 5432));
  const via = new URL(url);
  via.hostname = '127.0.0.1';
  via.port = String(link.port);
  const targets = [];
  try {
    await migrate(admin, table);
    targets.push(await sluiceTarget(files.write({ 'audit.sinks': ['file', 'postgres'], 'audit.postgres': { url: via.toString(), table } }), token, 'file+postgres'));
    targets.push(await sluiceTarget(files.write({}), token, 'file'));
    const store = targets[0];
    const bodies = chatBodies();
    const us = new Map(targets.map((t) => [t.name, []]));
    const mainUs = new Map(targets.map((t) => [t.name, []]));
    let scrapes = 1;
    for (let round = 0; round < repeat; round++) {
      // Alternate which goes first: later runs are faster (JIT, caches), which would otherwise favour one side.
      for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
        const pool = poolFor(t, connections);
        await warmUp(pool, t, bodies, { requests: 300, concurrency: Math.min(connections, 16) });
        if (t === store) await caughtUp(t, 60_000, 100);
        const cpu0 = cpuSecondsOf(t.proc.pid);
        const main0 = cpuSecondsByThread(t.proc.pid).main;
        const r = await run(pool, t, bodies, requests, connections);
        // The shipper works after the responses: its CPU counts once the store holds every record (the last
        // group commit first, so the newest records count as lag). The file-only process gets as many /metrics
        // scrapes as the store's last wait took, so they are not counted against the store.
        await new Promise((res) => setTimeout(res, 100));
        if (t === store) scrapes = (await caughtUp(t, 60_000, 100)).scrapes;
        else for (let i = 0; i < scrapes; i++) await metric(t, 'sluice_requests_in_flight');
        const cpu = cpuSecondsOf(t.proc.pid) - cpu0;
        const main = cpuSecondsByThread(t.proc.pid).main - main0;
        await pool.close();
        if (r.failed > 0) throw new Error(`${t.name}: ${r.failed} of ${requests} requests failed`);
        us.get(t.name).push((cpu * 1e6) / r.ok);
        mainUs.get(t.name).push((main * 1e6) / r.ok);
        log(`  round ${round + 1} ${t.name.padEnd(14)} ${((cpu * 1e6) / r.ok).toFixed(0).padStart(5)} µs/request (main thread ${((main * 1e6) / r.ok).toFixed(0)})`);
      }
    }

    // Catch-up: serve `outage` requests with the database away, bring it back, time the backlog into the store.
    const pool = poolFor(store, connections);
    link.down();
    const during = await run(pool, store, bodies, outage, connections);
    await pool.close();
    await new Promise((r) => setTimeout(r, 300)); // the last group commit: every record durable, counted as lag
    const backlog = await metric(store, 'sluice_audit_db_lag_records');
    const shipped0 = await metric(store, 'sluice_audit_db_shipped_records_total');
    link.up();
    // From the first batch after the outage (the shipper retries after its back-off) to lag 0.
    const wait0 = performance.now();
    while ((await metric(store, 'sluice_audit_db_shipped_records_total')) === shipped0 && performance.now() - wait0 < 30_000) await new Promise((r) => setTimeout(r, 10));
    const { seconds } = await caughtUp(store, 120_000);
    const shipped = (await metric(store, 'sluice_audit_db_shipped_records_total')) - shipped0;
    // Cost and rate scale with the record's size: say what these records weighed.
    const lineBytes = Number((await admin.query(`SELECT avg(octet_length(line)) AS b FROM ${table} WHERE kind = 'exchange'`)).rows[0].b);
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const fileUs = median(us.get('file'));
    const storeUs = median(us.get('file+postgres'));
    // Each round measures both back to back: the median of the rounds' differences shrugs off a noisy round.
    const cost = median(us.get('file').map((f, i) => us.get('file+postgres')[i] - f));
    // The main thread owns approvals and the audit chain: what the store costs it, apart from the other threads.
    const mainCost = median(mainUs.get('file').map((f, i) => mainUs.get('file+postgres')[i] - f));
    const result = {
      requests, repeat, connections,
      fileUsPerRequest: fileUs,
      storeUsPerRequest: storeUs,
      costUsPerRequest: cost,
      mainThreadCostUsPerRequest: mainCost,
      rounds: Object.fromEntries(us),
      mainThreadRounds: Object.fromEntries(mainUs),
      lineBytes,
      catchUp: { served: during.ok, failed: during.failed, backlog, shipped, seconds, recordsPerSecond: shipped / Math.max(seconds, 1e-3) },
    };
    log(`  audit store cost ${result.costUsPerRequest.toFixed(0)} µs/request (median of ${repeat} rounds' differences; file ${fileUs.toFixed(0)}, file+postgres ${storeUs.toFixed(0)} µs/request)`);
    log(`  on the main thread ${mainCost.toFixed(0)} µs/request (median of the rounds' differences; file ${median(mainUs.get('file')).toFixed(0)}, file+postgres ${median(mainUs.get('file+postgres')).toFixed(0)} µs/request)`);
    log(`  catch-up: ${shipped} records in ${seconds.toFixed(2)} s after the outage = ${Math.round(result.catchUp.recordsPerSecond)} records/s (${during.ok} requests served meanwhile, ${during.failed} failed; records of ${Math.round(lineBytes)} bytes on average)`);
    return result;
  } finally {
    for (const t of targets) await t.proc.stop();
    await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_checkpoints, ${table}_migrations CASCADE`).catch(() => undefined);
    await admin.query(`DROP FUNCTION IF EXISTS ${table}_ensure_day(date), ${table}_drop_before(date)`).catch(() => undefined);
    await admin.end();
    await link.close();
  }
}
