// Inline for small bodies, piscina for large ones; saturation → 503, crash/timeout → fail closed.
import { Piscina } from 'piscina';
import type { InspectionConfig } from '../config/schema.js';
import type { InspectionProfile, InspectRequest, InspectResult } from './api.js';
import type { PoolTask } from './worker.js';
import type { InspectStep } from '../ports.js';
import type { Metrics } from '../observe/metrics.js';
import { SluiceError } from '../errors.js';
import { distFile } from '../paths.js';
import { inspectBody } from './engine.js';
import { getMatcher } from './matcher.js';

export interface Inspector extends InspectStep {
  readonly pool: Piscina;
  close(): Promise<void>;
}

export function createInspector(cfg: InspectionConfig, metrics?: Metrics, opts: { workerFile?: string } = {}): Inspector {
  const p = cfg.pool;
  // Load and compile the matcher now: a missing or broken build/matcher.wasm stops the start, not a request.
  getMatcher();
  const pool = new Piscina({
    filename: opts.workerFile ?? distFile('inspect/worker.js'),
    minThreads: p.minThreads,
    maxThreads: p.maxThreads,
    idleTimeout: p.idleTimeoutMs,
    maxQueue: p.maxQueue,
    concurrentTasksPerWorker: p.concurrentTasksPerWorker,
  });
  // A worker that dies is replaced by piscina; the task it held is rejected and fails its request closed.
  pool.on('error', () => metrics?.inspectionFailures.inc({ reason: 'worker_error' }));
  metrics?.inspectionQueue.track({}, () => pool.queueSize);
  metrics?.inspectionThreads.track({}, () => pool.threads.length);
  let ready = true;

  // Profiles are few and immutable per key: serialize each once, send the string (cloning an object graph per task
  // costs more than the scan of a small body).
  const profileJson = new Map<string, string>();
  const jsonOf = (profile: InspectionProfile): string => {
    let json = profileJson.get(profile.key);
    if (json === undefined) {
      if (profileJson.size >= 256) profileJson.clear();
      json = JSON.stringify(profile);
      profileJson.set(profile.key, json);
    }
    return json;
  };

  const overloaded = (): SluiceError => {
    metrics?.inspectionFailures.inc({ reason: 'overloaded' });
    return new SluiceError('SLUICE_OVERLOADED', 'Inspection capacity exhausted; retry shortly', { headers: { 'retry-after': '1' } });
  };

  async function runInPool(req: InspectRequest): Promise<InspectResult> {
    if (pool.queueSize >= p.maxQueue) throw overloaded();
    const body = ownBuffer(req.body);
    // The worker also prepares the audit copies: the main thread must not scan a large body again.
    const task: PoolTask = { body, contentType: req.contentType, session: req.session, profileKey: req.profile.key, profileJson: jsonOf(req.profile), auditCopies: true };
    const t0 = performance.now();
    try {
      const result = (await pool.run(task, { transferList: [body.buffer as ArrayBuffer], signal: AbortSignal.timeout(p.taskTimeoutMs) })) as InspectResult;
      metrics?.inspectionTime.observe(POOL, (performance.now() - t0) / 1000);
      return result;
    } catch (err) {
      const e = err as Error;
      if (/queue is at limit/i.test(e.message)) throw overloaded();
      const reason = e.name === 'AbortError' || e.name === 'TimeoutError' ? 'timeout' : 'worker_crash';
      metrics?.inspectionFailures.inc({ reason });
      throw new SluiceError('SLUICE_INSPECTION_FAILED', `Request inspection failed (${reason}); request not forwarded`, { cause: err });
    }
  }

  return {
    pool,
    get ready() {
      return ready;
    },
    inspect: function inspect(req) {
      if (req.body.byteLength < cfg.inlineBelowBytes) {
        try {
          const t0 = metrics ? performance.now() : 0;
          const result = inspectBody(req);
          metrics?.inspectionTime.observe(INLINE, (performance.now() - t0) / 1000);
          return Promise.resolve(result);
        } catch (err) {
          metrics?.inspectionFailures.inc({ reason: 'inline_error' });
          return Promise.reject(new SluiceError('SLUICE_INSPECTION_FAILED', 'Request inspection failed; request not forwarded', { cause: err }));
        }
      }
      return runInPool(req);
    },
    async close() {
      ready = false;
      await pool.close({ force: false }).catch(() => pool.destroy());
    },
  };
}

const POOL = { where: 'pool' };
const INLINE = { where: 'inline' };

// Transfer needs a buffer the body owns whole; a view into a larger buffer is copied once.
function ownBuffer(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer) ? b : b.slice();
}
