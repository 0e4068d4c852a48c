// Shapes of a policy: what a file says (specs, with source locations) and what evaluation uses (compiled).
import type { DetectorAction } from '../types.js';
import type { CustomPatternDetector, KeywordDetector } from '../inspect/api.js';

/** A detector action as written in policy: the engine's actions plus `off` (detector disabled). */
export type PolicyAction = DetectorAction | 'off';
export type ApprovalMode = 'hold' | 'ticket';
export type QuotaPer = 'subject' | 'job' | 'group';

/** Where something was written, for error messages (`file:line: key: message`). */
export interface SourceLoc {
  file: string;
  line: number;
  column?: number;
  key: string;
}

/** One problem found while loading policy. Never contains detected data. */
export interface PolicyIssue extends SourceLoc {
  message: string;
}

export interface RegexSpec {
  pattern: string;
  flags: string;
  maxLength: number;
  anchors?: string[];
}

export type DetectorSpec =
  | { kind: 'builtin'; id: string; action?: PolicyAction; at: SourceLoc }
  | ({ kind: 'regex'; id: string; type: string; action?: PolicyAction; at: SourceLoc } & RegexSpec)
  | {
      kind: 'keywords';
      id: string;
      type: string;
      keywords: string[];
      caseInsensitive: boolean;
      wholeWord?: boolean;
      action?: PolicyAction;
      at: SourceLoc;
    };

export interface DetectorRef {
  id: string;
  at: SourceLoc;
}

/** What an approve/block condition says about the request and what happens when it holds. */
interface ConditionOutcome {
  keywords: string[];
  models: string[];
  tools: string[];
  mode: ApprovalMode;
  timeoutSeconds: number;
  message?: string;
  at: SourceLoc;
}

export interface ConditionSpec extends ConditionOutcome {
  detectors: DetectorRef[];
  regex: RegexSpec[];
}

export interface QuotaSpec {
  per: QuotaPer;
  requests?: number;
  tokens?: number;
  window: string;
  windowSeconds: number;
}

export interface RuleMatch {
  subjects?: string[];
  groups?: string[];
  jobs?: string[];
}

export interface RuleSpec {
  id: string;
  at: SourceLoc;
  match: RuleMatch;
  connections?: string[];
  models?: string[];
  detectors: Array<DetectorRef & { action: PolicyAction }>;
  restoreTokens?: boolean;
  approve: ConditionSpec[];
  block: ConditionSpec[];
  justification?: { required: boolean; minLength: number };
  maxBodyBytes?: number;
  quotas: QuotaSpec[];
  allowJobHeader?: boolean;
  /** Groups that review this rule's approvals instead of the policy-wide `reviewers.groups`. */
  reviewers?: string[];
}

export interface PolicyFileSpec {
  file: string;
  detectors: DetectorSpec[];
  reviewerGroups: string[];
  operatorGroups: string[];
  rules: RuleSpec[];
}

/** Match levels, most specific last: a rule's specificity is the most specific dimension it constrains. */
export const SPECIFICITY = Object.freeze({ wildcard: 0, group: 1, job: 2, subject: 3 });
export type Specificity = (typeof SPECIFICITY)[keyof typeof SPECIFICITY];

export interface CompiledCondition extends ConditionOutcome {
  kind: 'approve' | 'block';
  rule: string;
  index: number;
  detectors: string[];
  /** Generated keyword detector for this condition's keywords (one pass in the WASM matcher). */
  keywordDetector?: KeywordDetector;
  /** Generated custom detectors for this condition's regexes. */
  regexDetectors: CustomPatternDetector[];
  /** Compiled regexes, used only when the caller hands evaluate() the prompt text itself. */
  regexTests: Array<(text: string) => boolean>;
}

export interface CompiledRule extends Omit<RuleSpec, 'approve' | 'block' | 'detectors'> {
  /** Position in load order (files sorted by name, then order in file). */
  order: number;
  specificity: Specificity;
  detectors: ReadonlyMap<string, PolicyAction>;
  approve: CompiledCondition[];
  block: CompiledCondition[];
}

export type CatalogueDetector = Extract<DetectorSpec, { kind: 'regex' | 'keywords' }> | Extract<DetectorSpec, { kind: 'builtin' }>;

/** A loaded, validated, merged policy. Immutable: a reload produces a new object. */
export interface Policy {
  /** SHA-256 of the source files (names and contents), for audit and `explain`. */
  digest: string;
  files: string[];
  /** Every known detector by id: built-ins (with any catalogue default) and custom ones. */
  detectors: ReadonlyMap<string, CatalogueDetector>;
  /** Review approvals of rules that name no reviewers of their own. */
  reviewerGroups: string[];
  /** See and decide every approval, and read the whole audit trail, shadow findings and policies. */
  operatorGroups: string[];
  rules: readonly CompiledRule[];
}

export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 600;
