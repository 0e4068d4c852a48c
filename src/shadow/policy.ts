// What the egress proxy does with a shadow call. Only calls that matched a signature reach here:
// the proxy is a shadow-AI control, not a general firewall, so unmatched traffic always passes.
import { globMatch } from '../policy/glob.js';
import type { Classification } from './classify.js';
import { createHostMatcher } from './hosts.js';

export const SHADOW_ACTIONS = ['allow', 'log', 'block', 'route'] as const;
export type ShadowAction = (typeof SHADOW_ACTIONS)[number];

export interface EgressPolicy {
  /** Action for shadow calls no rule names. */
  default: ShadowAction;
  /** Host name or glob → action. Wins over signature rules: it is the operator's most specific statement. */
  hosts?: Record<string, ShadowAction>;
  /** Signature id or glob (`header:*`) → action; when several apply the strictest wins. */
  signatures?: Record<string, ShadowAction>;
}

export interface PolicyVerdict {
  action: ShadowAction;
  /** `host:<pattern>`, `signature:<pattern>` or `default`. */
  rule: string;
}

const STRICTNESS: Record<ShadowAction, number> = { allow: 0, log: 1, route: 2, block: 3 };

export function createEgressPolicy(policy: EgressPolicy): (host: string, c: Classification) => PolicyVerdict {
  const hostRules = createHostMatcher(Object.entries(policy.hosts ?? {}).map(([pattern, action]) => ({ pattern, value: { pattern, action } })));
  const sigRules = Object.entries(policy.signatures ?? {});
  return function decideShadow(host, c) {
    const h = hostRules.match(host);
    if (h) return { action: h.action, rule: `host:${h.pattern}` };
    let best: PolicyVerdict | undefined;
    for (const [pattern, action] of sigRules) {
      if (!c.signatures.some((s) => globMatch(pattern, s))) continue;
      if (!best || STRICTNESS[action] > STRICTNESS[best.action]) best = { action, rule: `signature:${pattern}` };
    }
    return best ?? { action: policy.default, rule: 'default' };
  };
}
