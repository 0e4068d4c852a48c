// Ships the local audit files to PostgreSQL. The files stay the durability point: the shipper only reads what the
// writer has made durable, in seq order, and inserts it in batches off the request path. The database's own last
// seq for this instance says where to resume, and inserts are idempotent on (instance, seq), so a restart, an
// outage or a retry ships every record exactly once.
import { open } from 'node:fs/promises';
import type pg from 'pg';
import type { AuditLogger } from '../config.js';
import { auditPath, listAuditFiles } from '../files.js';
import { errInfo } from '../sink.js';
import { GENESIS_HASH } from '../record.js';
import { rowOf, shipRowOf, type ShipRow } from './row.js';

export interface ShipperOptions {
  pool: pg.Pool;
  table: string;
  instance: string;
  dir: string;
  batchMaxRecords: number;
  /** Longest a durable record waits before its batch is sent. */
  batchMaxMs: number;
  /** 0: keep every day. */
  retentionDays: number;
  /** Highest seq durable in the files; without it every complete line counts (a stopped instance's folder). */
  durableSeq?: () => number;
  logger: AuditLogger;
  retryMs?: number;
  /** After every turn of the loop (a batch, an idle look, a failure): the stats may have changed. */
  onProgress?: () => void;
}

export interface ShipperStats {
  instance: string;
  /** Highest seq known to be in the database. */
  shippedSeq: number;
  /** Durable records not yet in the database. */
  lagRecords: number;
  /** Seconds since the database last held every durable record (0 while it does). */
  lagSeconds: number;
  /** When it last did (ms since the epoch). */
  caughtUpAt: number;
  shipped: number;
  /** Records the database already had (a retry after a lost reply, or two shippers on one folder). */
  duplicates: number;
  errors: number;
  healthy: boolean;
  lastError: string | undefined;
}

export interface Shipper {
  /** New durable records: ship soon. */
  notify(): void;
  /** Resolves once everything durable at the time of the call is in the database (rejects on close). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
  readonly stats: ShipperStats;
}

const READ_CHUNK = 4 * 1024 * 1024;
/** The row fields sent to the database as JSON, named as its columns; the lines go as they are (insert()). */
const ROW_KEYS = ['seq', 'time', 'kind', 'subject', 'job', 'session', 'decision', 'detectors', 'model', 'status', 'request_id', 'prev', 'hash'];
const NEWLINE = 0x0a;
const RETENTION_EVERY_MS = 3_600_000;

interface Cursor {
  file: string;
  offset: number;
  /** The next seq to ship. */
  next: number;
  /** Hash of seq next - 1 (to check the chain continues where the database stopped). */
  prevHash: string;
}

export function createShipper(o: ShipperOptions): Shipper {
  const t = o.table;
  let cursor: Cursor | undefined;
  let shippedSeq = 0;
  let closed = false;
  let wake: (() => void) | undefined;
  let caughtUpAt = Date.now();
  let lastRetention = 0;
  const days = new Set<string>();
  let avgLine = 2048;
  /** What one batch reads, carved from one allocation reused batch after batch (readBuffer()). */
  let arena = Buffer.allocUnsafeSlow(0);
  let arenaUsed = 0;
  const counters = { shipped: 0, duplicates: 0, errors: 0 };
  let healthy = true;
  let lastError: string | undefined;
  const drains: Array<{ target: number; resolve(): void; reject(e: Error): void }> = [];
  const durable = () => (o.durableSeq ? o.durableSeq() : Number.MAX_SAFE_INTEGER);
  const running = loop();

  async function loop(): Promise<void> {
    while (!closed) {
      try {
        if (!cursor) await resume();
        await retention();
        const batch = await readBatch(cursor!);
        if (batch.rows.length > 0) await insert(batch.rows);
        cursor = batch.cursor;
        if (batch.rows.length > 0) shippedSeq = batch.rows[batch.rows.length - 1].seq;
        recovered();
        settleDrains(false);
        const lag = durable() - shippedSeq;
        if (batch.rows.length === 0 || lag <= 0 || !o.durableSeq) caughtUp(batch.rows.length === 0);
        // A full batch waiting: send it now; otherwise let more records gather for up to batchMaxMs.
        o.onProgress?.();
        if (batch.rows.length < o.batchMaxRecords) await sleep(batch.rows.length === 0 && drains.length === 0 ? o.batchMaxMs : Math.min(o.batchMaxMs, 5));
      } catch (err) {
        failed(err);
        o.onProgress?.();
        await sleep(o.retryMs ?? 1000);
      }
    }
  }

  function caughtUp(idle: boolean): void {
    if (idle || durable() <= shippedSeq) caughtUpAt = Date.now();
    settleDrains(idle);
  }

  /** After every batch, not only when idle: under steady load a drain resolves once its records are in. */
  function settleDrains(idle: boolean): void {
    for (let i = drains.length - 1; i >= 0; i--) {
      if (drains[i].target <= shippedSeq || (idle && !o.durableSeq)) drains.splice(i, 1)[0].resolve();
    }
  }

  function recovered(): void {
    if (healthy) return;
    healthy = true;
    lastError = undefined;
    o.logger.warn({ instance: o.instance, shippedSeq }, 'audit db: shipping again');
  }

  function failed(err: unknown): void {
    counters.errors++;
    const e = errInfo(err);
    lastError = e.code ? `${e.code}: ${e.message}` : e.message;
    if (healthy) o.logger.error({ err: e, instance: o.instance, shippedSeq }, 'audit db: shipping failed; records stay in the local files and are shipped when it succeeds again');
    healthy = false;
    // The database may have been restored from a backup: ask it again where to resume, and which days exist
    // (another instance's retention may have dropped one this shipper still had records for).
    cursor = undefined;
    days.clear();
  }

  /** Where the database stopped for this instance, and where that is in the files. */
  async function resume(): Promise<void> {
    const r = await o.pool.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${t} WHERE instance = $1 ORDER BY seq DESC LIMIT 1`, [o.instance]);
    const last = r.rows[0] ? { seq: Number(r.rows[0].seq), hash: r.rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
    shippedSeq = last.seq;
    const files = await listAuditFiles(o.dir);
    let file = files[0];
    for (const f of files) {
      const first = await firstSeq(f);
      if (first !== undefined && first <= last.seq + 1) file = f;
      else if (first !== undefined) break;
    }
    cursor = { file: file ?? '', offset: 0, next: last.seq + 1, prevHash: last.hash };
  }

  async function firstSeq(file: string): Promise<number | undefined> {
    const fh = await open(auditPath(o.dir, file), 'r');
    try {
      // `seq` sorts late in a canonical line: read the first line, however long, and nothing after it.
      let head = Buffer.alloc(0);
      for (let pos = 0; ; ) {
        const buf = Buffer.allocUnsafe(65_536);
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        head = Buffer.concat([head, buf.subarray(0, bytesRead)]);
        pos += bytesRead;
        if (buf.subarray(0, bytesRead).includes(0x0a)) break;
      }
      const nl = head.indexOf(0x0a);
      return rowOf(head.toString('utf8', 0, nl < 0 ? head.length : nl))?.seq;
    } finally {
      await fh.close();
    }
  }

  async function readBatch(c: Cursor): Promise<{ rows: ShipRow[]; cursor: Cursor }> {
    const rows: ShipRow[] = [];
    // The previous batch's rows, which pointed into the arena, are in the database (or dropped with their error).
    arenaUsed = 0;
    const limit = durable();
    let cur = { ...c };
    if (!cur.file) {
      const files = await listAuditFiles(o.dir);
      if (files.length === 0) return { rows, cursor: cur };
      cur = { ...cur, file: files[0], offset: 0 };
    }
    for (;;) {
      const fh = await open(auditPath(o.dir, cur.file), 'r');
      let atEnd = false;
      try {
        const { size } = await fh.stat();
        let want = 0;
        while (rows.length < o.batchMaxRecords && cur.offset < size && cur.next <= limit) {
          // Read about what the rest of the batch needs, not a fixed large chunk that is mostly read again later.
          want = Math.max(want, Math.min(READ_CHUNK, Math.ceil(avgLine * (o.batchMaxRecords - rows.length) * 1.25) + 4096));
          const buf = readBuffer(Math.min(want, size - cur.offset));
          const { bytesRead } = await fh.read(buf, 0, buf.length, cur.offset);
          let start = 0;
          let stop = false;
          while (rows.length < o.batchMaxRecords) {
            const nl = buf.indexOf(0x0a, start);
            if (nl < 0 || nl >= bytesRead) break;
            const row = shipRowOf(buf.subarray(start, nl));
            if (row && row.seq > limit) {
              stop = true;
              break;
            }
            start = nl + 1;
            if (!row || row.seq < cur.next) continue;
            if (row.seq !== cur.next || row.prev !== cur.prevHash) chainBreak(cur, row);
            rows.push(row);
            cur.next = row.seq + 1;
            cur.prevHash = row.hash;
          }
          if (start === 0) {
            // A line longer than what was read: read more. At the end of the file it is a torn or half-written
            // last line: wait for the rest (the writer appends it or its recovery cuts it).
            if (!stop && bytesRead < size - cur.offset) {
              want *= 2;
              continue;
            }
            break;
          }
          avgLine = avgLine * 0.9 + (start / Math.max(1, countLines(buf, start))) * 0.1;
          cur.offset += start;
          if (stop) break;
        }
        atEnd = cur.offset >= size;
      } finally {
        await fh.close();
      }
      if (rows.length >= o.batchMaxRecords || !atEnd || cur.next > limit) return { rows, cursor: cur };
      // The writer only opens a newer file once this one is complete: move on when there is one.
      const files = await listAuditFiles(o.dir);
      const after = files.find((f) => f > cur.file);
      if (!after) return { rows, cursor: cur };
      cur = { ...cur, file: after, offset: 0 };
    }
  }

  /**
   * A fresh multi-megabyte buffer per batch made the garbage collector a large part of the shipper's CPU. A batch's
   * rows point into its buffers until they are inserted, so a batch never reuses what an earlier read of it returned.
   */
  function readBuffer(n: number): Buffer {
    if (arenaUsed + n > arena.length) {
      // Too small for this read: a new arena (what this batch already read into the old one stays valid).
      arena = Buffer.allocUnsafeSlow(Math.max(2 * n, arena.length));
      arenaUsed = 0;
    }
    const b = arena.subarray(arenaUsed, arenaUsed + n);
    arenaUsed += n;
    return b;
  }

  function countLines(buf: Buffer, end: number): number {
    let n = 0;
    for (let i = buf.indexOf(0x0a); i >= 0 && i < end; i = buf.indexOf(0x0a, i + 1)) n++;
    return n;
  }

  function chainBreak(c: Cursor, row: ShipRow): void {
    // Shipped anyway (the database should hold what the files hold); `audit verify --db` reports the break.
    o.logger.error({ instance: o.instance, expectedSeq: c.next, seq: row.seq, file: c.file }, 'audit db: the files do not continue the chain the database holds for this instance');
  }

  async function insert(rows: ShipRow[]): Promise<void> {
    for (const r of rows) {
      const day = r.time.slice(0, 10);
      if (!days.has(day)) {
        await o.pool.query(`SELECT ${t}_ensure_day($1::date)`, [day]);
        days.add(day);
      }
    }
    const client = await o.pool.connect();
    // A checked-out client reports a dropped connection as an event, not only as the query's error.
    const ignore = () => undefined;
    client.on('error', ignore);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // The small columns as one JSON parameter (stringified natively, parsed by the server in C: far cheaper than
      // fourteen bound arrays, whose literals the client escapes element by element in JavaScript). The lines, nearly
      // all of the bytes, are already JSON: escaping them again into that parameter was most of the shipper's CPU
      // (issue 21). They go as the file's bytes, one newline-separated text parameter sent in binary format (a Buffer:
      // copied, never escaped or decoded), which ROWS FROM zips with the JSON rows by position.
      const res = await client.query(
        `INSERT INTO ${t} (instance, seq, time, kind, subject, job, session, decision, detectors, model, status, request_id, prev, hash, line)
         SELECT $1, u.seq, u.time, u.kind, u.subject, u.job, u.session, u.decision,
                ARRAY(SELECT json_array_elements_text(u.detectors)), u.model, u.status, u.request_id, u.prev, u.hash, u.line
         FROM ROWS FROM (json_to_recordset($2::json) AS (seq bigint, time timestamptz, kind text, subject text, job text, session text, decision text,
                                                         detectors json, model text, status integer, request_id text, prev text, hash text),
                         unnest(string_to_array($3::text, E'\\n')))
              AS u(seq, time, kind, subject, job, session, decision, detectors, model, status, request_id, prev, hash, line)
         ON CONFLICT DO NOTHING`,
        [o.instance, JSON.stringify(rows, ROW_KEYS), joinLines(rows)],
      );
      const cps = rows.filter((r) => r.checkpoint);
      if (cps.length > 0) {
        await client.query(
          `INSERT INTO ${t}_checkpoints (instance, seq, time, signed_seq, signed_hash, kid, jws)
           SELECT $1, * FROM unnest($2::bigint[], $3::timestamptz[], $4::bigint[], $5::text[], $6::text[], $7::text[]) ON CONFLICT DO NOTHING`,
          [o.instance, cps.map((r) => r.seq), cps.map((r) => r.time), cps.map((r) => r.checkpoint!.seq), cps.map((r) => r.checkpoint!.hash), cps.map((r) => r.checkpoint!.kid), cps.map((r) => r.checkpoint!.jws)],
        );
      }
      await client.query('COMMIT');
      const inserted = res.rowCount ?? 0;
      counters.shipped += inserted;
      counters.duplicates += rows.length - inserted;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      broken = err as Error;
      throw err;
    } finally {
      client.off('error', ignore);
      // A client whose statement failed may hold a dead connection: the pool drops it rather than reuse it.
      client.release(broken);
    }
  }

  /**
   * The rows' lines, newline-separated (a line never holds a raw newline: JSON escapes it). Usually they are one run
   * of the buffer they were read into, newlines included: that run itself, not a copy.
   */
  function joinLines(rows: ShipRow[]): Buffer {
    const first = rows[0].bytes;
    let end = first.byteOffset + first.length;
    let size = first.length;
    let contiguous = true;
    const mem = new Uint8Array(first.buffer);
    for (let i = 1; i < rows.length; i++) {
      const b = rows[i].bytes;
      size += 1 + b.length;
      if (contiguous && b.buffer === first.buffer && b.byteOffset === end + 1 && mem[end] === NEWLINE) end = b.byteOffset + b.length;
      else contiguous = false;
    }
    if (contiguous) return Buffer.from(first.buffer, first.byteOffset, size);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < rows.length; i++) {
      if (i > 0) out[at++] = NEWLINE;
      at += rows[i].bytes.copy(out, at);
    }
    return out;
  }

  async function retention(): Promise<void> {
    if (o.retentionDays <= 0 || Date.now() - lastRetention < RETENTION_EVERY_MS) return;
    const r = await o.pool.query<{ n: number }>(`SELECT ${t}_drop_before((now() AT TIME ZONE 'UTC')::date - $1::integer) AS n`, [o.retentionDays]);
    lastRetention = Date.now();
    days.clear();
    if (r.rows[0].n > 0) o.logger.info({ partitions: r.rows[0].n, retentionDays: o.retentionDays }, 'audit db: dropped days past retention');
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  return {
    notify() {
      if (wake && durable() - shippedSeq >= o.batchMaxRecords) wake();
    },
    drain(timeoutMs = 30_000) {
      const target = durable();
      if (o.durableSeq && shippedSeq >= target) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`audit db: not caught up within ${timeoutMs} ms (${lastError ?? 'still shipping'})`)), timeoutMs);
        drains.push({
          target,
          resolve: () => (clearTimeout(timer), resolve()),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        wake?.();
      });
    },
    async close() {
      closed = true;
      wake?.();
      await running;
      for (const d of drains.splice(0)) d.reject(new Error('audit db: shipper closed'));
    },
    get stats(): ShipperStats {
      const lagRecords = Math.max(0, o.durableSeq ? o.durableSeq() - shippedSeq : 0);
      return {
        instance: o.instance,
        shippedSeq,
        lagRecords,
        lagSeconds: lagRecords > 0 ? Math.round((Date.now() - caughtUpAt) / 100) / 10 : 0,
        caughtUpAt,
        ...counters,
        healthy,
        lastError,
      };
    },
  };
}
