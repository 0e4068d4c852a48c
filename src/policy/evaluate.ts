// Policy evaluation: a pure function of (policy, identity, request info, findings) → decision.
// Precedence (docs/policy.md): access (caller, connection, model) → body size → block → justification
// → approve → allow. Deny beats approve beats allow; every step is written to `explanation`.
import type { ErrorCode } from '../errors.js';
import type { Decision, FindingSummary, Identity } from '../types.js';
import { anyGlob } from './glob.js';
import { conditionHolds, type ConditionInput } from './conditions.js';
import { resolveDetectorActions, stricter, type ResolvedAction } from './detectors.js';
import { applicableRules, cacheFor, callerKey, resolveJob } from './match.js';
import { quotaBindings, type QuotaBinding } from './quota.js';
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS, type ApprovalMode, type CompiledRule, type Policy } from './types.js';

export interface RequestInfo {
  connection: string;
  route: string;
  model?: string;
  /**
   * The route carries a body that names the model (chat, embeddings, messages, …). Without a readable model there,
   * the provider picks one policy never saw: a caller restricted to a model list is refused.
   */
  modelExpected?: boolean;
  tools?: string[];
  /** Small prompt text, when the caller has it: keyword/regex conditions are then also checked on it. */
  promptText?: string;
  justification?: string;
  bodyBytes: number;
  /** Value of the `x-sluice-job` header, honoured only where a rule allows it. */
  jobHeader?: string;
}

export interface PolicyDecision extends Decision {
  matchedRules: string[];
  explanation: string[];
  /** The SluiceError code to answer with when outcome is `block`. */
  code?: ErrorCode;
  approval?: { rule: string; mode: ApprovalMode; timeoutSeconds: number };
  justification?: { required: boolean; minLength: number };
  quotas: QuotaBinding[];
  maxBodyBytes?: number;
  /** The caller as policy saw it (job possibly taken from the job header). */
  identity?: Identity;
}

export const NO_RULE_REASON = 'no policy rule allows this caller';

type Step = ((s: string) => void) | undefined;

const describe = (who: Identity): string =>
  `subject "${who.subject}", groups [${who.groups.join(', ')}]${who.job === undefined ? ', no job' : `, job "${who.job}"`}`;

export function evaluate(
  policy: Policy,
  identity: Identity | undefined,
  meta: RequestInfo,
  findings: readonly FindingSummary[],
  opts: { explain?: boolean } = {},
): PolicyDecision {
  const explanation: string[] = [];
  // The hot path skips the explanation: `step?.(…)` then never even builds its string.
  const step: Step = opts.explain === false ? undefined : (s: string) => void explanation.push(s);
  // Filled in as evaluation proceeds; every return spreads what is known so far.
  const base: Omit<PolicyDecision, 'outcome' | 'rules'> = { matchedRules: [], explanation, quotas: [] };
  const deny = (reason: string, code: ErrorCode, rules: string[] = []): PolicyDecision => {
    step?.(`→ block: ${reason}`);
    return { ...base, outcome: 'block', rules, reason, code };
  };

  if (!identity || identity.subject === '') {
    step?.('caller is unknown (no verified identity)');
    return deny(NO_RULE_REASON, 'SLUICE_FORBIDDEN');
  }
  const resolved = resolveJob(policy, identity, meta.jobHeader);
  if (resolved.note) step?.(resolved.note);
  const who = resolved.identity;
  step?.(`caller: ${describe(who)}`);
  const key = callerKey(who, meta.connection);
  const rules = applicableRulesCached(policy, who, meta.connection, key);
  base.matchedRules = rules.map((r) => r.id);
  base.identity = who;
  if (rules.length === 0) {
    step?.(`no rule matches this caller on connection "${meta.connection}"`);
    return deny(NO_RULE_REASON, 'SLUICE_FORBIDDEN');
  }
  step?.(`rules that apply (most specific first): ${rules.map((r) => r.id).join(', ')}`);

  const grants = rules.filter((r) => r.connections !== undefined);
  if (grants.length === 0) {
    step?.(`none of them grants connection "${meta.connection}" (a grant is a rule with \`connections\`)`);
    return deny(NO_RULE_REASON, 'SLUICE_FORBIDDEN');
  }
  const model = meta.model;
  const granting =
    model !== undefined ? grants.filter((r) => !r.models || anyGlob(r.models, model)) : meta.modelExpected ? grants.filter((r) => !r.models) : grants;
  if (granting.length === 0) {
    if (model === undefined) {
      step?.(`the request names no model Sluice can read, and ${grants.map((r) => r.id).join(', ')} allow only listed models`);
      return deny('the request names no model this caller may use (a readable "model" string is required)', 'SLUICE_FORBIDDEN');
    }
    step?.(`model "${model}" is in none of the model lists of ${grants.map((r) => r.id).join(', ')}`);
    return deny(`model "${model}" is not allowed for this caller`, 'SLUICE_FORBIDDEN');
  }
  step?.(`connection "${meta.connection}"${meta.model === undefined ? ' (request names no model)' : ` and model "${meta.model}"`} granted by ${granting.map((r) => r.id).join(', ')}`);

  const limits = collectLimits(rules, meta, step);
  base.quotas = quotaBindingsCached(policy, rules, who, key);
  if (limits.justification) base.justification = limits.justification;
  if (limits.maxBody) base.maxBodyBytes = limits.maxBody.bytes;
  for (const q of base.quotas) step?.(`quota (rule ${q.rule}): ${[q.requests && `${q.requests} requests`, q.tokens && `${q.tokens} tokens`].filter(Boolean).join(', ')} per ${q.window} for ${q.subject}`);

  const actions = resolveDetectorActionsCached(policy, rules);
  const found = foldFindings(findings, actions, step);
  const input: ConditionInput = { found: found.counts, ...pick(meta) };
  const blocks = triggered(rules, 'block', input, step);
  const approvals = triggered(rules, 'approve', input, step);

  if (limits.maxBody && meta.bodyBytes > limits.maxBody.bytes) {
    return deny(`request body is larger than ${limits.maxBody.bytes} bytes`, 'SLUICE_BODY_TOO_LARGE', [limits.maxBody.rule]);
  }
  if (blocks.length > 0 || found.block.length > 0) {
    const first = blocks[0];
    const ruleIds = unique([...blocks.map((b) => b.rule.id), ...found.block.map((b) => b.rule)]);
    // Name the rule and the detector, never the data.
    const reason = first
      ? first.message ?? `blocked by policy rule ${first.rule.id}`
      : `blocked by policy rule ${found.block[0].rule} (${found.block[0].detector} detected)`;
    return deny(reason, 'SLUICE_POLICY_BLOCKED', ruleIds);
  }
  if (limits.missingJustification) {
    return deny(limits.missingJustification.reason, 'SLUICE_JUSTIFICATION_REQUIRED', [limits.missingJustification.rule]);
  }
  const restoreTokens = restoreTokensFor(rules);
  if (approvals.length > 0 || found.approve.length > 0) {
    const a = approvals[0];
    const approval = a
      ? { rule: a.rule.id, mode: a.mode, timeoutSeconds: a.timeoutSeconds }
      : { rule: found.approve[0].rule, mode: 'hold' as const, timeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS };
    step?.(`→ approve: ${approval.mode} for up to ${approval.timeoutSeconds}s (rule ${approval.rule})`);
    const ruleIds = unique([approval.rule, ...approvals.map((x) => x.rule.id), ...found.approve.map((x) => x.rule)]);
    return { ...base, outcome: 'approve', rules: ruleIds, reason: `approval required by policy rule ${approval.rule}`, approvalMode: approval.mode, approval, restoreTokens };
  }
  step?.(`→ allow${restoreTokens ? ' (tokens may be restored in the response)' : ''}`);
  return { ...base, outcome: 'allow', rules: unique([...granting.map((r) => r.id), ...base.matchedRules]), restoreTokens };
}

function pick(meta: RequestInfo): Omit<ConditionInput, 'found'> {
  return {
    ...(meta.model === undefined ? {} : { model: meta.model }),
    ...(meta.tools === undefined ? {} : { tools: meta.tools }),
    ...(meta.promptText === undefined ? {} : { promptText: meta.promptText }),
  };
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

interface Limits {
  maxBody?: { bytes: number; rule: string };
  justification?: { required: boolean; minLength: number };
  missingJustification?: { rule: string; reason: string };
}

/** Strictest wins across applicable rules: the smallest body limit, the longest justification. */
function collectLimits(rules: readonly CompiledRule[], meta: RequestInfo, step: Step): Limits {
  const out: Limits = {};
  let justRule: string | undefined;
  for (const r of rules) {
    if (r.maxBodyBytes !== undefined && (!out.maxBody || r.maxBodyBytes < out.maxBody.bytes)) out.maxBody = { bytes: r.maxBodyBytes, rule: r.id };
    if (r.justification?.required && (!out.justification || r.justification.minLength > out.justification.minLength)) {
      out.justification = { required: true, minLength: r.justification.minLength };
      justRule = r.id;
    }
  }
  if (out.maxBody) step?.(`body ${meta.bodyBytes} bytes, limit ${out.maxBody.bytes} (rule ${out.maxBody.rule})`);
  if (out.justification && justRule) {
    const given = meta.justification?.trim().length ?? 0;
    step?.(`justification required, at least ${out.justification.minLength} characters (rule ${justRule}); ${given} given`);
    if (given < out.justification.minLength) {
      out.missingJustification = { rule: justRule, reason: `a justification of at least ${out.justification.minLength} characters is required (x-sluice-justification header)` };
    }
  }
  return out;
}

/** Finding counts by detector, plus the rules whose detector actions block or ask for approval. */
function foldFindings(findings: readonly FindingSummary[], actions: ReadonlyMap<string, ResolvedAction>, step: Step) {
  const counts = new Map<string, number>();
  const block: Array<{ rule: string; detector: string }> = [];
  const approve: Array<{ rule: string; detector: string }> = [];
  for (const f of findings) {
    if (f.count <= 0) continue;
    counts.set(f.detector, (counts.get(f.detector) ?? 0) + f.count);
    // Generated condition detectors only count through their conditions.
    if (f.detector.startsWith('rule:')) continue;
    const set = actions.get(f.detector);
    // The stricter of what the engine applied and what policy now says: a stale profile cannot loosen.
    const action = stricter(f.action, set?.action ?? 'off');
    const source = set?.rule ? `rule ${set.rule}` : set?.why === 'catalogue' ? 'catalogue default' : 'as applied by inspection';
    step?.(`detector ${f.detector}: ${f.count} found → ${action} (${source})`);
    const hit = { rule: set?.rule ?? `detector:${f.detector}`, detector: f.detector };
    if (action === 'block') block.push(hit);
    if (action === 'approve') approve.push(hit);
  }
  return { counts, block, approve };
}

function triggered(rules: readonly CompiledRule[], kind: 'approve' | 'block', input: ConditionInput, step: Step) {
  const out: Array<{ rule: CompiledRule; mode: ApprovalMode; timeoutSeconds: number; message?: string }> = [];
  for (const rule of rules) {
    for (const c of rule[kind]) {
      const because = conditionHolds(c, input);
      if (!because) continue;
      step?.(`${kind} condition #${c.index + 1} of rule ${rule.id} holds: ${because.join('; ')}`);
      out.push({ rule, mode: c.mode, timeoutSeconds: c.timeoutSeconds, ...(c.message === undefined ? {} : { message: c.message }) });
    }
  }
  return out;
}

/** The most specific rules that say anything decide; at a tie, `false` wins (restoring is the looser choice). */
function restoreTokensFor(rules: readonly CompiledRule[]): boolean {
  const saying = rules.filter((r) => r.restoreTokens !== undefined);
  if (saying.length === 0) return false;
  const top = saying[0].specificity;
  return saying.filter((r) => r.specificity === top).every((r) => r.restoreTokens === true);
}

// Per-policy caches: rule matching and detector resolution depend only on who is calling and where,
// and policies are immutable (a reload builds a new object, so stale entries go with the old one).
const ruleCache = new WeakMap<Policy, Map<string, CompiledRule[]>>();
const actionCache = new WeakMap<Policy, Map<string, Map<string, ResolvedAction>>>();
const MAX_CACHED = 4096;

function applicableRulesCached(policy: Policy, who: Identity, connection: string, key: string): CompiledRule[] {
  const m = cacheFor(ruleCache, policy, MAX_CACHED);
  let rules = m.get(key);
  if (!rules) m.set(key, (rules = applicableRules(policy, who, connection)));
  return rules;
}

/** Quota bindings depend on the rules and the caller only: built once per caller, frozen (decisions share them). */
const quotaCache = new WeakMap<Policy, Map<string, QuotaBinding[]>>();
function quotaBindingsCached(policy: Policy, rules: readonly CompiledRule[], who: Identity, key: string): QuotaBinding[] {
  const m = cacheFor(quotaCache, policy, MAX_CACHED);
  let bindings = m.get(key);
  if (!bindings) m.set(key, (bindings = Object.freeze(quotaBindings(rules, who).map((b) => Object.freeze(b))) as QuotaBinding[]));
  return bindings;
}

function resolveDetectorActionsCached(policy: Policy, rules: readonly CompiledRule[]): Map<string, ResolvedAction> {
  const m = cacheFor(actionCache, policy, MAX_CACHED);
  const key = rules.map((r) => r.id).join('\u0000');
  let actions = m.get(key);
  if (!actions) m.set(key, (actions = resolveDetectorActions(policy, rules)));
  return actions;
}
