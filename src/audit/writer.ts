// The audit writer: sync append on the main thread, hash chain, rotation, signed checkpoints.
// Disk I/O happens in the sink (async, batched); append itself only serializes, encodes and hashes one record.
import { mkdirSync } from 'node:fs';
import { pino } from 'pino';
import { resolveAuditOptions, type AuditLogger, type AuditWriterConfig } from './config.js';
import { nextFileName, timeOfName } from './files.js';
import { loadSigner, type CheckpointSigner } from './keys.js';
import type { AuditRecordInput } from './record.js';
import { recoverTail } from './recover.js';
import { normalize, seal, type CheckpointDraft } from './seal.js';
import { createSink, errInfo } from './sink.js';

export interface AuditWriterStats {
  /** Records accepted by append (checkpoints included). */
  appended: number;
  /** Records written and fdatasync'ed. */
  durable: number;
  /** Records refused: backlog over maxPendingBytes, writer closed, or an unserializable draft. */
  dropped: number;
  writeErrors: number;
  checkpoints: number;
  rotations: number;
  /** Bytes of torn tail cut off during start-up recovery. */
  recoveredBytes: number;
  pendingBytes: number;
  /** False while the disk refuses writes (full, read-only, immutable file); the sink keeps retrying. */
  healthy: boolean;
  /** Bytes of records appended (checkpoints and gap markers included). */
  bytes: number;
  /** Records dropped since the last gap marker (the next marker will carry them). */
  unmarkedDrops: number;
  seq: number;
  /** Highest seq written and fdatasync'ed (what a shipper may copy elsewhere). */
  durableSeq: number;
  file: string;
}

export interface AuditWriter {
  /** Never throws and never waits: returns the record's seq, or -1 when it was dropped (see stats). */
  append(record: AuditRecordInput): number;
  readonly healthy: boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly stats: Readonly<AuditWriterStats>;
}

export function createAuditWriter(cfg: AuditWriterConfig): AuditWriter {
  const o = resolveAuditOptions(cfg);
  const log = o.logger ?? defaultLogger();
  mkdirSync(o.dir, { recursive: true, mode: 0o750 });
  const tail = recoverTail(o.dir, log);
  const signer: CheckpointSigner | undefined = o.signingKeyFile ? loadSigner(o.signingKeyFile) : undefined;
  const sink = createSink({
    dir: o.dir,
    batchMs: o.fsync === 'always' ? 0 : o.groupCommitMs,
    retryMs: o.retryMs,
    logger: log,
    onHealth(healthy, err) {
      // Back on disk: mark what was lost while it failed, without waiting for the next record.
      if (healthy && gap.count > 0 && !closed) markGap();
      cfg.onHealth?.(healthy, err);
    },
    onSync: cfg.onSync,
    ...(cfg.onDurable ? { onDurable: () => cfg.onDurable!(tail.seq + sink.durableLines) } : {}),
  });
  let seq = tail.seq;
  let prev = tail.hash;
  let file = reuseOrNew(tail.newest, Date.now());
  let unsigned = 0;
  let signing: Promise<void> | undefined;
  let closed = false;
  const counters = { appended: 0, dropped: 0, checkpoints: 0, rotations: 0, bytes: 0 };
  // Records dropped without a seq leave no trace in the chain by themselves: the next record that does make it in
  // is preceded by a `gap` marker naming how many were lost and when, so `audit verify` reports the hole.
  const gap = { count: 0, first: '', last: '' };
  const timer = signer ? setInterval(checkpointIfDue, o.checkpointIntervalMs) : undefined;
  timer?.unref();
  if (tail.truncatedBytes > 0) log.warn({ bytes: tail.truncatedBytes, seq }, 'audit: recovered from a torn write');

  function reuseOrNew(newest: { name: string; size: number } | undefined, now: number) {
    if (newest && newest.size < o.maxBytes && now - timeOfName(newest.name) < o.maxAgeMs) {
      return { name: newest.name, bytes: newest.size, opened: timeOfName(newest.name) };
    }
    return { name: nextFileName(new Date(now), newest?.name), bytes: 0, opened: now };
  }

  function append(record: AuditRecordInput): number {
    try {
      if (closed) return drop('writer closed');
      if ((record.kind as string) === 'checkpoint') return drop('checkpoints are written by the writer only');
      const n = write(normalize(record, new Date()));
      if (n > 0 && ++unsigned >= o.checkpointEvery) checkpointIfDue();
      return n;
    } catch (err) {
      return drop('record could not be serialized', err);
    }
  }

  function write(body: ReturnType<typeof normalize>): number {
    if (gap.count > 0 && sink.pendingBytes + GAP_RESERVE <= o.maxPendingBytes) markGap();
    return enqueue(body);
  }

  /** `force`: past the backlog bound (the gap marker written by close, which has no later chance). */
  function enqueue(body: ReturnType<typeof normalize>, force = false): number {
    const sealed = seal(body, seq + 1, prev);
    const bytes = sealed.line.length;
    if (!force && sink.pendingBytes + bytes > o.maxPendingBytes) return drop('backlog over maxPendingBytes');
    rotateIfNeeded(bytes, Date.now());
    seq = sealed.seq;
    prev = sealed.hash;
    file.bytes += bytes;
    counters.bytes += bytes;
    counters.appended++;
    sink.enqueue(file.name, sealed.line);
    return seq;
  }

  // Rotation is decided at append time, so every line's file is known before it is written and the
  // first record of a new file simply carries the previous file's last hash as `prev`.
  function rotateIfNeeded(bytes: number, now: number): void {
    if (file.bytes === 0) return;
    if (file.bytes + bytes <= o.maxBytes && now - file.opened < o.maxAgeMs) return;
    file = { name: nextFileName(new Date(now), file.name), bytes: 0, opened: now };
    counters.rotations++;
  }

  function drop(reason: string, err?: unknown): number {
    counters.dropped++;
    const now = new Date().toISOString();
    if (gap.count === 0) gap.first = now;
    gap.count++;
    gap.last = now;
    // One line per outage, not one per record: the gap marker carries the count.
    if (gap.count === 1) log.error({ reason, err: err === undefined ? undefined : errInfo(err) }, 'audit: record dropped');
    return -1;
  }

  function markGap(force = false): void {
    const detail = { dropped: gap.count, firstDroppedAt: gap.first, lastDroppedAt: gap.last };
    gap.count = 0;
    if (enqueue(normalize({ kind: 'gap', detail }, new Date()), force) < 0) {
      // Still no room: keep counting into the same marker.
      gap.count += detail.dropped - 1;
      gap.first = detail.firstDroppedAt;
      counters.dropped--;
    } else log.warn(detail, 'audit: gap marker written for dropped records');
  }

  function checkpointIfDue(): void {
    if (!signer || signing || unsigned === 0) return;
    signing = checkpoint(signer).finally(function signed() {
      signing = undefined;
    });
  }

  async function checkpoint(s: CheckpointSigner): Promise<void> {
    // Signing is async; records appended meanwhile land before the checkpoint and stay unsigned until the next.
    const target = { seq, hash: prev };
    const covered = unsigned;
    try {
      const jws = await s.sign(target);
      const draft: CheckpointDraft = { kind: 'checkpoint', checkpoint: { ...target, kid: s.kid, jws } };
      if (write(normalize(draft, new Date())) > 0) {
        unsigned -= covered;
        counters.checkpoints++;
      }
    } catch (err) {
      log.error({ err: errInfo(err) }, 'audit: checkpoint signing failed');
    }
  }

  async function close(): Promise<void> {
    if (closed) return sink.flush();
    closed = true;
    if (timer) clearInterval(timer);
    await signing;
    // The last chance to mark what was lost: the marker goes in even when the backlog is at its bound (it is a few
    // hundred bytes over it, once), or records dropped while the backlog was full would leave no trace at all.
    if (gap.count > 0) markGap(true);
    // A final checkpoint, so a cleanly stopped log has no unsigned tail.
    if (signer && unsigned > 0) await checkpoint(signer);
    await sink.close();
  }

  return {
    append,
    flush: () => sink.flush(),
    close,
    get healthy() {
      return sink.healthy;
    },
    get stats(): AuditWriterStats {
      return {
        ...counters,
        durable: sink.durableLines,
        writeErrors: sink.writeErrors,
        recoveredBytes: tail.truncatedBytes,
        pendingBytes: sink.pendingBytes,
        healthy: sink.healthy,
        unmarkedDrops: gap.count,
        seq,
        // Lines are written in seq order, one seq each, from the seq recovered at start.
        durableSeq: tail.seq + sink.durableLines,
        file: file.name,
      };
    },
  };
}

/** Room kept for the gap marker itself when the backlog is near its bound. */
const GAP_RESERVE = 2048;

function defaultLogger(): AuditLogger {
  return pino({ name: 'sluice-audit' }, pino.destination(2));
}
