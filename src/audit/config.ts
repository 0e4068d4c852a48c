// Audit writer options: frozen defaults plus validation with exact messages (piscina's kDefaultOptions style).
import { SluiceError } from '../errors.js';

export interface AuditLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AuditWriterOptions {
  dir: string;
  /** `always`: every batch is fdatasync'ed before the next; `group`: writes are batched for `groupCommitMs`. */
  fsync: 'always' | 'group';
  groupCommitMs: number;
  /** Rotate when the current file would grow past this many bytes. */
  maxBytes: number;
  /** Rotate when the current file is older than this. */
  maxAgeMs: number;
  /** Sign a checkpoint after this many records... */
  checkpointEvery: number;
  /** ...or after this long with unsigned records, whichever comes first. */
  checkpointIntervalMs: number;
  /** PKCS8 PEM file with the Ed25519 private key; without it no checkpoints are written. */
  signingKeyFile?: string;
  /** Records waiting for disk beyond this are dropped (and counted) rather than exhausting memory. */
  maxPendingBytes: number;
  /** Back-off before retrying a failed write. */
  retryMs: number;
  logger?: AuditLogger;
}

export type AuditWriterConfig = Partial<AuditWriterOptions> & { dir: string };

export const AUDIT_DEFAULTS = Object.freeze({
  fsync: 'group',
  groupCommitMs: 5,
  maxBytes: 256 * 1024 * 1024,
  maxAgeMs: 24 * 60 * 60 * 1000,
  checkpointEvery: 1000,
  checkpointIntervalMs: 60_000,
  maxPendingBytes: 64 * 1024 * 1024,
  retryMs: 1000,
} satisfies Omit<AuditWriterOptions, 'dir'>);

function fail(message: string): never {
  // There is no config error code in src/errors.ts yet; startup treats any SluiceError as fatal.
  throw new SluiceError('SLUICE_INTERNAL', message);
}

function positiveInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`audit.${name} must be an integer >= ${min}`);
  return v;
}

export function resolveAuditOptions(cfg: AuditWriterConfig): AuditWriterOptions {
  if (typeof cfg.dir !== 'string' || cfg.dir === '') fail('audit.dir must be a non-empty string');
  const o = { ...AUDIT_DEFAULTS, ...stripUndefined(cfg) } as AuditWriterOptions;
  if (o.fsync !== 'always' && o.fsync !== 'group') fail("audit.fsync must be 'always' or 'group'");
  positiveInt('groupCommitMs', o.groupCommitMs, 0);
  positiveInt('maxBytes', o.maxBytes, 4096);
  positiveInt('maxAgeMs', o.maxAgeMs, 1000);
  positiveInt('checkpointEvery', o.checkpointEvery, 1);
  positiveInt('checkpointIntervalMs', o.checkpointIntervalMs, 100);
  positiveInt('maxPendingBytes', o.maxPendingBytes, 65536);
  positiveInt('retryMs', o.retryMs, 1);
  if (o.signingKeyFile !== undefined && (typeof o.signingKeyFile !== 'string' || o.signingKeyFile === '')) {
    fail('audit.signingKeyFile must be a non-empty string');
  }
  return Object.freeze(o);
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
