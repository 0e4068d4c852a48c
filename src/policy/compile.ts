// Merge validated files into one immutable Policy: cross-file checks (duplicate ids, unknown detectors),
// rule specificity, and the detectors generated for keyword/regex conditions.
import { BUILTIN_DETECTORS, type CustomPatternDetector, type KeywordDetector } from '../inspect/api.js';
import { isWildcard } from './glob.js';
import { compilePattern } from './pattern.js';
import {
  SPECIFICITY,
  type CatalogueDetector, type CompiledCondition, type CompiledRule, type ConditionSpec, type DetectorRef,
  type Policy, type PolicyFileSpec, type PolicyIssue, type RuleSpec, type SourceLoc, type Specificity,
} from './types.js';

const where = (at: SourceLoc): string => `${at.file}:${at.line}`;
const issue = (at: SourceLoc, message: string): PolicyIssue => ({ ...at, message });

export function compilePolicy(files: PolicyFileSpec[], digest: string): { policy?: Policy; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const detectors = buildCatalogue(files, issues);
  const rules: CompiledRule[] = [];
  const seenRules = new Map<string, SourceLoc>();
  for (const spec of files.flatMap((f) => f.rules)) {
    const first = seenRules.get(spec.id);
    if (first) issues.push(issue(spec.at, `duplicate rule id "${spec.id}" (first defined at ${where(first)})`));
    seenRules.set(spec.id, first ?? spec.at);
    const refs: DetectorRef[] = [...spec.detectors, ...[...spec.approve, ...spec.block].flatMap((c) => c.detectors)];
    for (const ref of refs) {
      if (!detectors.has(ref.id)) issues.push(issue(ref.at, `unknown detector "${ref.id}" (not built in and not declared under detectors:)`));
    }
    rules.push(compileRule(spec, rules.length));
  }
  if (issues.length > 0) return { issues };
  const reviewerGroups = [...new Set(files.flatMap((f) => f.reviewerGroups))];
  const operatorGroups = [...new Set(files.flatMap((f) => f.operatorGroups))];
  const policy: Policy = { digest, files: files.map((f) => f.file), detectors, reviewerGroups, operatorGroups, rules };
  return { policy: Object.freeze(policy), issues };
}

function buildCatalogue(files: PolicyFileSpec[], issues: PolicyIssue[]): Map<string, CatalogueDetector> {
  const catalogue = new Map<string, CatalogueDetector>();
  const declared = new Map<string, SourceLoc>();
  for (const id of BUILTIN_DETECTORS) catalogue.set(id, { kind: 'builtin', id, at: { file: '(built-in)', line: 0, key: id } });
  for (const d of files.flatMap((f) => f.detectors)) {
    const first = declared.get(d.id);
    if (first) {
      issues.push(issue(d.at, `duplicate detector id "${d.id}" (first declared at ${where(first)})`));
      continue;
    }
    declared.set(d.id, d.at);
    catalogue.set(d.id, d);
  }
  return catalogue;
}

/** subject > job > group > wildcard: the most specific dimension the rule actually constrains. */
export function specificityOf(match: RuleSpec['match']): Specificity {
  const constrains = (list?: string[]) => list !== undefined && !isWildcard(list);
  if (constrains(match.subjects)) return SPECIFICITY.subject;
  if (constrains(match.jobs)) return SPECIFICITY.job;
  if (constrains(match.groups)) return SPECIFICITY.group;
  return SPECIFICITY.wildcard;
}

function compileRule(spec: RuleSpec, order: number): CompiledRule {
  const { approve, block, detectors, ...rest } = spec;
  return {
    ...rest,
    order,
    specificity: specificityOf(spec.match),
    detectors: new Map(detectors.map((d) => [d.id, d.action])),
    approve: approve.map((c, i) => compileCondition(spec.id, 'approve', i, c)),
    block: block.map((c, i) => compileCondition(spec.id, 'block', i, c)),
  };
}

/**
 * Keyword and regex conditions become detectors so the matcher finds them in the same pass as
 * everything else. Their action is approve/block only when the finding alone satisfies the
 * condition; when other triggers must also hold, the detector only reports and evaluate() decides.
 */
function compileCondition(rule: string, kind: 'approve' | 'block', index: number, c: ConditionSpec): CompiledCondition {
  const prefix = `rule:${rule}:${kind}:${index}`;
  const otherTriggers = c.detectors.length + c.models.length + c.tools.length;
  const promptKinds = (c.keywords.length > 0 ? 1 : 0) + c.regex.length;
  const action = otherTriggers === 0 && promptKinds === 1 ? kind : 'report';
  const keywordDetector: KeywordDetector | undefined =
    c.keywords.length === 0
      ? undefined
      : { id: `${prefix}:keywords`, type: 'policy_keyword', keywords: c.keywords, caseInsensitive: true, action };
  const regexDetectors: CustomPatternDetector[] = c.regex.map((re, j) => ({
    id: `${prefix}:regex:${j}`,
    type: 'policy_pattern',
    pattern: re.pattern,
    ...(re.flags ? { flags: re.flags } : {}),
    maxLength: re.maxLength,
    ...(re.anchors ? { anchors: re.anchors } : {}),
    action,
  }));
  return {
    kind, rule, index,
    detectors: c.detectors.map((d) => d.id),
    keywords: c.keywords,
    ...(keywordDetector ? { keywordDetector } : {}),
    regexDetectors,
    regexTests: c.regex.map((re) => compilePattern(re.pattern, re.flags)),
    models: c.models,
    tools: c.tools,
    mode: c.mode,
    timeoutSeconds: c.timeoutSeconds,
    ...(c.message === undefined ? {} : { message: c.message }),
    at: c.at,
  };
}
