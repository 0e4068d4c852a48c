// Public surface of the policy layer (schema, load + hot reload, pure evaluate, profiles, quotas, CLI).
export { createPolicyStore, loadPolicyDir, loadPolicySources, formatIssue } from './load.js';
export type { LoadResult, LoadOptions, PolicyStore, PolicyStoreOptions } from './load.js';
export { evaluate, NO_RULE_REASON } from './evaluate.js';
export type { PolicyDecision, RequestInfo } from './evaluate.js';
export { createProfiler } from './profile.js';
export type { Profiler } from './profile.js';
export { jobHeaderAllowed, resolveJob } from './match.js';
export { createMemoryQuotaStore, quotaBindings, quotaExceededError, formatReset } from './quota.js';
export type { QuotaBinding, QuotaCheck, QuotaStore } from './quota.js';
export { explain, checkCommand, describeBody, parsePath } from './explain.js';
export { policyCommand } from './cli.js';
export type { Policy, PolicyIssue } from './types.js';
