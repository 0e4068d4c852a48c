// What the egress proxy does with a call: host rules first (they always win), then signature rules for
// shadow-AI calls, then the default. `default: block` is default-deny for every destination no rule allows.
import { globMatch } from '../policy/glob.js';
import type { Classification } from './classify.js';
import { createHostRules, parseHostRule, type HostRule, type HostRules } from './rules.js';

export const SHADOW_ACTIONS = ['allow', 'log', 'block', 'route'] as const;
export type ShadowAction = (typeof SHADOW_ACTIONS)[number];

export interface EgressPolicy {
  /** Action for calls no rule names: shadow-AI calls and every other destination alike. */
  default: ShadowAction;
  /** Host name, glob, address or CIDR (optionally `:port`) → action. Wins over signature rules and the default. */
  hosts?: Record<string, ShadowAction>;
  /** Signature id or glob (`header:*`) → action, for shadow-AI calls; when several apply the strictest wins. */
  signatures?: Record<string, ShadowAction>;
}

export interface PolicyVerdict {
  action: ShadowAction;
  /** `host:<pattern>`, `signature:<pattern>`, `default`, or `protected:<class>` for a refused address. */
  rule: string;
}

export const STRICTNESS: Record<ShadowAction, number> = { allow: 0, log: 1, route: 2, block: 3 };

export interface CompiledPolicy {
  hosts: HostRules;
  /** Signature rules, then the default: what applies when no host rule does. */
  fallback(c: Classification): PolicyVerdict;
}

/** Throws on a host rule that config validation would have refused. */
export function compileEgressPolicy(policy: EgressPolicy): CompiledPolicy {
  const rules: HostRule[] = [];
  for (const [key, action] of Object.entries(policy.hosts ?? {})) {
    const r = parseHostRule(key, action);
    if (typeof r === 'string') throw new Error(`egress.policy.hosts.${key}: ${r}`);
    rules.push(r);
  }
  const sigRules = Object.entries(policy.signatures ?? {});
  return {
    hosts: createHostRules(rules),
    fallback: function fallbackVerdict(c) {
      let best: PolicyVerdict | undefined;
      // Signature rules speak about shadow-AI calls only; weak-only matches are not shadow calls.
      if (c.matched) {
        for (const [pattern, action] of sigRules) {
          if (!c.signatures.some((s) => globMatch(pattern, s))) continue;
          if (!best || STRICTNESS[action] > STRICTNESS[best.action]) best = { action, rule: `signature:${pattern}` };
        }
      }
      return best ?? { action: policy.default, rule: 'default' };
    },
  };
}

export function ruleVerdict(r: HostRule): PolicyVerdict {
  return { action: r.action, rule: `host:${r.pattern}` };
}
