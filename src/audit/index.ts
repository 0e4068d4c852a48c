// Public surface of the audit trail for the gateway, main.ts and the `sluice` CLI.
export { createAuditWriter, type AuditWriter, type AuditWriterStats } from './writer.js';
export { AUDIT_DEFAULTS, type AuditWriterConfig, type AuditWriterOptions, type AuditLogger } from './config.js';
export {
  buildExchangeRecord,
  DEFAULT_CAPTURE,
  GENESIS_HASH,
  type AuditRecord,
  type AuditRecordInput,
  type AuditKind,
  type BodyCapture,
  type CaptureOptions,
  type ExchangeRecordOptions,
} from './record.js';
export { canonicalize } from './canonical.js';
export { verifyAuditLog, type VerifyReport, type VerifyIssue, type VerifyCode } from './verify.js';
export { auditCommand } from './cli.js';
export { keysCommand, loadSigner, loadPublicKey } from './keys.js';
