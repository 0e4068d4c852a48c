// Audit writer options: a schema (the same library and wording as sluice.yaml) with frozen defaults.
import * as v from 'valibot';
import { def, int, oneOf, opt, section, text, req } from '../config/kit.js';
import { parseSection } from '../config/problems.js';

export interface AuditLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const OptionsSchema = v.object({
  dir: req(text()),
  /** `always`: every batch is fdatasync'ed before the next; `group`: writes are batched for `groupCommitMs`. */
  fsync: def(oneOf(['always', 'group']), 'group'),
  groupCommitMs: def(int(0), 5),
  /** Rotate when the current file would grow past this many bytes. */
  maxBytes: def(int(4096), 256 * 1024 * 1024),
  /** Rotate when the current file is older than this. */
  maxAgeMs: def(int(1000), 24 * 60 * 60 * 1000),
  /** Sign a checkpoint after this many records... */
  checkpointEvery: def(int(1), 1000),
  /** ...or after this long with unsigned records, whichever comes first. */
  checkpointIntervalMs: def(int(100), 60_000),
  /** PKCS8 PEM file with the Ed25519 private key; without it no checkpoints are written. */
  signingKeyFile: opt(text()),
  /** Records waiting for disk beyond this are dropped (and counted) rather than exhausting memory. */
  maxPendingBytes: def(int(65_536), 64 * 1024 * 1024),
  /** Back-off before retrying a failed write. */
  retryMs: def(int(1), 1000),
  logger: opt(v.custom<AuditLogger>((x) => typeof x === 'object' && x !== null, 'expected a logger')),
  onHealth: opt(v.custom<(healthy: boolean, err?: { code?: string; message: string }) => void>((x) => typeof x === 'function', 'expected a function')),
  /** Each synced batch's write + fdatasync seconds (metrics). */
  onSync: opt(v.custom<(seconds: number) => void>((x) => typeof x === 'function', 'expected a function')),
  /** The new durableSeq each time more records are durable (the PostgreSQL shipper follows it). */
  onDurable: opt(v.custom<(durableSeq: number) => void>((x) => typeof x === 'function', 'expected a function')),
});

export type AuditWriterOptions = v.InferOutput<typeof OptionsSchema>;
export type AuditWriterConfig = v.InferInput<typeof OptionsSchema>;

export const AUDIT_DEFAULTS = Object.freeze(v.parse(v.omit(OptionsSchema, ['dir']), {}));

export function resolveAuditOptions(cfg: AuditWriterConfig): AuditWriterOptions {
  const defined = Object.fromEntries(Object.entries(cfg).filter(([, x]) => x !== undefined));
  return Object.freeze(parseSection(OptionsSchema, defined, ['audit']));
}
