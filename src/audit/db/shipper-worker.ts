// The shipper's thread (src/audit/db/shipper-thread.ts starts it): reads the audit files, builds the batches and
// inserts them, so none of that runs on the main thread, which owns approvals and the audit chain (issues 13, 21).
// The main thread publishes how far the files are durable in a shared cell; this thread reports its stats, its log
// lines and finished drains by message.
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditLogger } from '../config.js';
import { createPool } from './pg.js';
import { createShipper } from './shipper.js';
import type { ShipperThreadData, ToMain, ToShipper } from './shipper-thread.js';

const data = workerData as ShipperThreadData;
const port = parentPort!;
const durable = new BigInt64Array(data.durable);
const post = (m: ToMain) => port.postMessage(m);
const logger = Object.fromEntries((['info', 'warn', 'error'] as const).map((level) => [level, (obj: object, msg: string) => post({ t: 'log', level, obj, msg })])) as unknown as AuditLogger;

const pool = createPool({ url: data.url, max: 2 });
const shipper = createShipper({
  ...data.options,
  pool,
  logger,
  durableSeq: () => Number(Atomics.load(durable, 0)),
  onProgress: () => post({ t: 'stats', stats: shipper.stats }),
});

port.on('message', (m: ToShipper) => {
  switch (m.t) {
    case 'wake':
      shipper.notify();
      break;
    case 'drain':
      shipper.drain(m.timeoutMs).then(
        () => post({ t: 'drained', id: m.id, stats: shipper.stats }),
        (err: Error) => post({ t: 'drained', id: m.id, stats: shipper.stats, error: err.message }),
      );
      break;
    case 'close':
      void shipper
        .close()
        .then(() => pool.end())
        .finally(() => {
          post({ t: 'stats', stats: shipper.stats });
          // Whatever the pool or a timer still holds, the thread is done.
          setImmediate(() => process.exit(0));
        });
      break;
  }
});
