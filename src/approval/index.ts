// Just-in-time approvals: the ApprovalStep + reviewer API, the store behind them, config, CLI and webhook helpers.
export { createApprovals } from './service.js';
export type { Approvals, ApprovalsOptions } from './service.js';
export { reviewerAccess } from './access.js';
export type { ReviewerAccess, ReviewerPolicy } from './access.js';
export { ReviewConflict } from './review.js';
export type { Review } from './review.js';
export { createMemoryApprovalStore, MEMORY_STORE_DEFAULTS } from './store.js';
export type { ApprovalStore, MemoryStoreOptions, SettleResult } from './store.js';
export { validateApprovalsConfig, ApprovalsSchema, APPROVALS_DEFAULTS } from './config.js';
export type { ApprovalsConfig } from './config.js';
export { signBody, verifySignature, WEBHOOK_DEFAULTS } from './webhook.js';
export type { WebhookOptions, WebhookStats } from './webhook.js';
export { TICKET_HEADER } from './gate.js';
export type { Timers } from './timers.js';
export type { Approval, ApprovalStatus, ApprovalMode, ApprovalEvent, StandingGrant } from './types.js';
