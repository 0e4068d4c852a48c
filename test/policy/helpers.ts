// Shared builders for policy tests: policies from inline YAML, identities and request info.
import { loadPolicySources, formatIssue } from '../../src/policy/load.js';
import type { Policy } from '../../src/policy/types.js';
import type { RequestInfo } from '../../src/policy/evaluate.js';
import type { DetectorAction, FindingSummary, Identity } from '../../src/types.js';

export function policyFrom(...texts: string[]): Policy {
  const result = loadPolicySources(texts.map((text, i) => ({ file: `p${i}.yaml`, text })));
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.policy;
}

/** Issues (formatted) for one file's text. */
export function issuesOf(text: string, file = 'p.yaml'): string[] {
  const result = loadPolicySources([{ file, text }]);
  return result.ok ? [] : result.issues.map(formatIssue);
}

export function who(subject: string, groups: string[] = [], job?: string): Identity {
  return { subject, groups, ...(job === undefined ? {} : { job }), session: 's1', via: 'jwt' };
}

export function req(over: Partial<RequestInfo> = {}): RequestInfo {
  return { connection: 'openai', route: 'chat.completions', model: 'gpt-4o-mini', bodyBytes: 100, ...over };
}

export function found(detector: string, action: DetectorAction, count = 1): FindingSummary {
  return { detector, type: detector, action, count };
}
