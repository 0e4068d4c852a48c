// The disk side of the writer: batches lines per file and writes them with one writev + fdatasync per batch.
// All I/O is async (libuv thread pool); lines arrive encoded, so a batch costs the event loop no copy.
import { open, type FileHandle } from 'node:fs/promises';
import { SluiceError } from '../errors.js';
import { auditPath } from './files.js';
import type { AuditLogger } from './config.js';

export interface SinkOptions {
  dir: string;
  /** Delay before a batch is written; 0 writes as soon as the current tick ends. */
  batchMs: number;
  retryMs: number;
  logger: AuditLogger;
  /** Called when the disk fails (false) and when a retry succeeds again (true). */
  onHealth?(healthy: boolean, err?: { code?: string; message: string }): void;
  /** A batch was written and synced: seconds from its first write to the end of its fdatasync (metrics). */
  onSync?(seconds: number): void;
  /** More lines are durable (written and synced): what a shipper may copy elsewhere grew. */
  onDurable?(): void;
}

export interface Sink {
  enqueue(file: string, line: Buffer): void;
  /** Resolves once every line enqueued before the call is written and fdatasync'ed. */
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly pendingBytes: number;
  readonly durableLines: number;
  readonly writeErrors: number;
  /** False from a failed write until the next batch is written and synced (the sink retries by itself). */
  readonly healthy: boolean;
  /** The last write failure (code and message only), while unhealthy. */
  readonly lastError: { code?: string; message: string } | undefined;
}

interface Segment {
  file: string;
  lines: Buffer[];
}

interface Batch {
  file: string;
  /** What is still to be written (a short write leaves the tail of a line first). */
  bufs: Buffer[];
  bytes: number;
  lines: number;
}

/** Bytes and lines per writev: bounds one write after a burst (and stays under IOV_MAX). */
const MAX_BATCH_BYTES = 1024 * 1024;
const MAX_BATCH_LINES = 512;

interface Waiter {
  target: number;
  resolve(): void;
  reject(err: Error): void;
}

export function createSink(opts: SinkOptions): Sink {
  const segments: Segment[] = [];
  const waiters: Waiter[] = [];
  let inflight: Batch | undefined;
  let handle: FileHandle | undefined;
  let handleFile: string | undefined;
  let enqueued = 0;
  let written = 0;
  let durable = 0;
  let pendingBytes = 0;
  let writeErrors = 0;
  let healthy = true;
  let lastError: { code?: string; message: string } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function enqueue(file: string, line: Buffer): void {
    let seg = segments[segments.length - 1];
    if (!seg || seg.file !== file) {
      seg = { file, lines: [] };
      segments.push(seg);
    }
    seg.lines.push(line);
    enqueued++;
    pendingBytes += line.length;
    schedule(opts.batchMs);
  }

  function schedule(delay: number): void {
    if (running || timer) return;
    timer = setTimeout(startRun, delay);
  }

  function startRun(): void {
    timer = undefined;
    running = run().finally(function runDone() {
      running = undefined;
      if (waiters.length > 0) schedule(0);
      else if (inflight || segments.length > 0) schedule(opts.batchMs);
    });
  }

  async function run(): Promise<void> {
    try {
      const t0 = performance.now();
      while (inflight || segments.length > 0) {
        inflight ??= takeBatch();
        const fh = await handleFor(inflight.file);
        // A short write is legal (e.g. a full disk freeing up); continue from where it stopped.
        while (inflight.bufs.length > 0) {
          const { bytesWritten } = await fh.writev(inflight.bufs);
          skipWritten(inflight.bufs, bytesWritten);
        }
        written += inflight.lines;
        pendingBytes -= inflight.bytes;
        inflight = undefined;
      }
      const target = written;
      if (handle && durable < target) {
        await handle.datasync();
        opts.onSync?.((performance.now() - t0) / 1000);
      }
      const grew = target > durable;
      durable = target;
      settle();
      if (grew) opts.onDurable?.();
      if (!healthy) {
        healthy = true;
        lastError = undefined;
        opts.logger.warn({ durable }, 'audit: writes succeed again');
        opts.onHealth?.(true);
      }
    } catch (err) {
      writeErrors++;
      lastError = errInfo(err);
      const wasHealthy = healthy;
      healthy = false;
      // The first failure of an outage is an error; the retries after it are not news.
      if (wasHealthy) opts.logger.error({ err: lastError, pendingBytes }, 'audit: write failed; retrying');
      if (wasHealthy) opts.onHealth?.(false, lastError);
      failWaiters(new SluiceError('SLUICE_AUDIT_UNAVAILABLE', 'Audit record could not be made durable', { cause: err, headers: { 'retry-after': '5' } }));
      // A failed write may have left a partial line: reopen so the retry appends after what is really on disk.
      await dropHandle();
      await delay(opts.retryMs);
    }
  }

  function takeBatch(): Batch {
    const seg = segments[0];
    const all = seg.lines;
    let n = 0;
    let bytes = 0;
    while (n < all.length && n < MAX_BATCH_LINES && (n === 0 || bytes + all[n].length <= MAX_BATCH_BYTES)) bytes += all[n++].length;
    let bufs: Buffer[];
    if (n === all.length) {
      segments.shift();
      bufs = all;
    } else bufs = all.splice(0, n);
    return { file: seg.file, bufs, bytes, lines: n };
  }

  async function dropHandle(): Promise<void> {
    const h = handle;
    handle = undefined;
    handleFile = undefined;
    await h?.close().catch(() => undefined);
  }

  async function handleFor(file: string): Promise<FileHandle> {
    if (handle && handleFile === file) return handle;
    if (handle) {
      // The old file must be complete on disk before the chain continues in the next one.
      await handle.datasync();
      await handle.close();
      handle = undefined;
    }
    handle = await open(auditPath(opts.dir, file), 'a', 0o640);
    handleFile = file;
    await syncDir(opts.dir);
    return handle;
  }

  function settle(): void {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].target <= durable) waiters.splice(i, 1)[0].resolve();
    }
  }

  function failWaiters(err: Error): void {
    for (const w of waiters.splice(0)) w.reject(err);
  }

  function flush(): Promise<void> {
    if (durable >= enqueued && !running) return Promise.resolve();
    return new Promise<void>(function waitDurable(resolve, reject) {
      waiters.push({ target: enqueued, resolve, reject });
      // An explicit flush skips the rest of the group-commit delay.
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      schedule(0);
    });
  }

  async function close(): Promise<void> {
    await flush();
    if (handle) {
      await handle.close();
      handle = undefined;
    }
  }

  return {
    enqueue,
    flush,
    close,
    get pendingBytes() {
      return pendingBytes;
    },
    get durableLines() {
      return durable;
    },
    get writeErrors() {
      return writeErrors;
    },
    get healthy() {
      return healthy;
    },
    get lastError() {
      return lastError;
    },
  };
}

/** Drops the first `n` bytes from `bufs` (after a short writev). */
function skipWritten(bufs: Buffer[], n: number): void {
  let i = 0;
  while (i < bufs.length && n >= bufs[i].length) n -= bufs[i++].length;
  bufs.splice(0, i);
  if (n > 0) bufs[0] = bufs[0].subarray(n);
}

/** Makes a newly created file's directory entry durable (Linux needs an fsync on the directory). */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Not supported on every platform (e.g. Windows); the file data itself is still synced.
  } finally {
    await fh?.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errInfo(err: unknown): { code?: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : undefined, message: String(e?.message ?? err) };
}
