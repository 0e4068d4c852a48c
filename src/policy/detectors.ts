// Which action each detector gets for a set of applicable rules.
// Most specific rule wins; at equal specificity the strictest action wins; the catalogue default is the floor.
import type { CompiledCondition, CompiledRule, Policy, PolicyAction } from './types.js';

/** Strictness, low to high. Rewrite actions tie in the brief; redact > hash > tokenize > mask keeps it deterministic. */
const STRICTNESS: Record<PolicyAction, number> = { off: 0, report: 1, mask: 2, tokenize: 3, hash: 4, redact: 5, approve: 6, block: 7 };

export const stricter = (a: PolicyAction, b: PolicyAction): PolicyAction => (STRICTNESS[b] > STRICTNESS[a] ? b : a);

export interface ResolvedAction {
  action: PolicyAction;
  /** Rule that set it; absent when it comes from the catalogue default or a condition needing findings. */
  rule?: string;
  why: 'catalogue' | 'rule' | 'condition';
}

/** `rules` must be in precedence order (applicableRules). */
export function resolveDetectorActions(policy: Policy, rules: readonly CompiledRule[]): Map<string, ResolvedAction> {
  const out = new Map<string, ResolvedAction>();
  for (const d of policy.detectors.values()) {
    if (d.action !== undefined && d.action !== 'off') out.set(d.id, { action: d.action, why: 'catalogue' });
  }
  const level = new Map<string, number>();
  for (const rule of rules) {
    for (const [id, action] of rule.detectors) {
      const seen = level.get(id);
      if (seen !== undefined && seen > rule.specificity) continue;
      const prev = seen === rule.specificity ? out.get(id)?.action ?? 'off' : undefined;
      level.set(id, rule.specificity);
      if (prev !== undefined && stricter(prev, action) === prev) continue;
      if (action === 'off') out.delete(id);
      else out.set(id, { action, rule: rule.id, why: 'rule' });
    }
  }
  // A condition can only see findings of detectors that run: switch them on as `report` if policy left them off.
  for (const c of conditionsOf(rules)) {
    for (const id of c.detectors) if (!out.has(id)) out.set(id, { action: 'report', rule: c.rule, why: 'condition' });
  }
  return out;
}

export function conditionsOf(rules: readonly CompiledRule[]): CompiledCondition[] {
  return rules.flatMap((r) => [...r.block, ...r.approve]);
}
