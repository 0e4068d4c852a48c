// The shipper on a thread of its own (issues 13, 21): reading the files, cutting the batches and writing them to the
// database cost the main thread tens of µs per record, and the main thread owns approvals and the audit chain. Here
// the main thread only stores the durable seq in a shared cell (notify), wakes the thread once a batch is waiting,
// and keeps the stats the thread reports after every batch. A thread that dies is started again: it resumes where
// the database stopped, so nothing is lost or shipped twice.
import { Worker } from 'node:worker_threads';
import type { AuditLogger } from '../config.js';
import { distFile } from '../../paths.js';
import type { Shipper, ShipperOptions, ShipperStats } from './shipper.js';

export interface ShipperThreadOptions extends Omit<ShipperOptions, 'pool' | 'logger' | 'durableSeq' | 'onProgress'> {
  url: string;
  durableSeq: () => number;
  logger: AuditLogger;
  /** The compiled worker (tests); default dist/audit/db/shipper-worker.js. */
  workerFile?: string;
}

/** What the thread is started with (structured-cloned; `durable` is shared). */
export interface ShipperThreadData {
  url: string;
  options: Omit<ShipperOptions, 'pool' | 'logger' | 'durableSeq' | 'onProgress'>;
  durable: SharedArrayBuffer;
}

export type ToShipper = { t: 'wake' } | { t: 'drain'; id: number; timeoutMs: number } | { t: 'close' };
export type ToMain =
  | { t: 'stats'; stats: ShipperStats }
  | { t: 'log'; level: 'info' | 'warn' | 'error'; obj: object; msg: string }
  | { t: 'drained'; id: number; stats: ShipperStats; error?: string };

const RESTART_MS = 1000;

export function startShipperThread(o: ShipperThreadOptions): Shipper {
  const { url, durableSeq, logger, workerFile, ...options } = o;
  const file = workerFile ?? distFile('audit/db/shipper-worker.js');
  const durable = new BigInt64Array(new SharedArrayBuffer(8));
  let last: ShipperStats = { instance: o.instance, shippedSeq: 0, lagRecords: 0, lagSeconds: 0, caughtUpAt: Date.now(), shipped: 0, duplicates: 0, errors: 0, healthy: true, lastError: undefined };
  /** Counters of threads that exited, so the stats keep counting across a restart. */
  const before = { shipped: 0, duplicates: 0, errors: 0 };
  let published = -1;
  let woken = 0;
  let nextId = 0;
  const drains = new Map<number, { resolve(): void; reject(e: Error): void }>();
  let closing = false;
  let alive = false;
  let closed: Promise<void> | undefined;
  let worker = spawn();

  function publish(): number {
    const seq = durableSeq();
    if (seq !== published) {
      Atomics.store(durable, 0, BigInt(seq));
      published = seq;
    }
    return seq;
  }

  function spawn(): Worker {
    publish();
    const data: ShipperThreadData = { url, options, durable: durable.buffer as SharedArrayBuffer };
    const w = new Worker(file, { workerData: data });
    alive = true;
    w.on('message', (m: ToMain) => {
      if (m.t === 'log') logger[m.level](m.obj, m.msg);
      else {
        last = m.stats;
        if (m.t === 'drained') settle(m.id, m.error);
      }
    });
    w.on('error', (err) => logger.error({ err: err.message }, 'audit db: shipper thread failed'));
    w.once('exit', (code) => {
      alive = false;
      if (closing) return;
      before.shipped += last.shipped;
      before.duplicates += last.duplicates;
      before.errors += last.errors + 1;
      last = { ...last, shipped: 0, duplicates: 0, errors: 0, healthy: false, lastError: `shipper thread exited (code ${code})` };
      for (const id of [...drains.keys()]) settle(id, 'audit db: shipper thread exited');
      logger.error({ code }, 'audit db: shipper thread exited; starting another');
      setTimeout(() => {
        if (!closing) worker = spawn();
      }, RESTART_MS).unref();
    });
    return w;
  }

  function settle(id: number, error: string | undefined): void {
    const d = drains.get(id);
    if (!d) return;
    drains.delete(id);
    if (error === undefined) d.resolve();
    else d.reject(new Error(error));
  }

  return {
    notify() {
      const seq = publish();
      // The thread looks again every batchMaxMs; a full batch waiting is worth waking it for, once.
      if (seq - Math.max(woken, last.shippedSeq) >= o.batchMaxRecords) {
        woken = seq;
        worker.postMessage({ t: 'wake' } satisfies ToShipper);
      }
    },
    drain(timeoutMs = 30_000) {
      const target = publish();
      if (last.shippedSeq >= target) return Promise.resolve();
      if (closing) return Promise.reject(new Error('audit db: shipper closed'));
      if (!alive) return Promise.reject(new Error(`audit db: not caught up (${last.lastError ?? 'shipper thread not running'})`));
      const id = ++nextId;
      return new Promise<void>((resolve, reject) => {
        // The thread answers within timeoutMs; this guard only matters if it cannot answer at all.
        const timer = setTimeout(() => settle(id, `audit db: not caught up within ${timeoutMs} ms (no answer from the shipper thread)`), timeoutMs + 5_000);
        drains.set(id, {
          resolve: () => (clearTimeout(timer), resolve()),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        worker.postMessage({ t: 'drain', id, timeoutMs } satisfies ToShipper);
      });
    },
    close() {
      closing = true;
      closed ??= new Promise<void>((resolve) => {
        if (!alive) return resolve();
        worker.once('exit', () => {
          for (const id of [...drains.keys()]) settle(id, 'audit db: shipper closed');
          resolve();
        });
        worker.postMessage({ t: 'close' } satisfies ToShipper);
      });
      return closed;
    },
    get stats(): ShipperStats {
      const lagRecords = Math.max(0, durableSeq() - last.shippedSeq);
      return {
        ...last,
        shipped: before.shipped + last.shipped,
        duplicates: before.duplicates + last.duplicates,
        errors: before.errors + last.errors,
        lagRecords,
        lagSeconds: lagRecords > 0 ? Math.round((Date.now() - last.caughtUpAt) / 100) / 10 : 0,
      };
    },
  };
}
