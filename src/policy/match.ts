// Which rules apply to a caller on a connection, in precedence order, and which job the caller runs.
import type { Identity } from '../types.js';
import { anyGlob } from './glob.js';
import type { CompiledRule, Policy } from './types.js';

/** Every dimension the rule names must match (subjects AND groups AND jobs); any entry in a list may match. */
export function matchesIdentity(rule: CompiledRule, who: Identity): boolean {
  const { subjects, groups, jobs } = rule.match;
  if (subjects && !anyGlob(subjects, who.subject)) return false;
  if (groups && !who.groups.some((g) => anyGlob(groups, g))) return false;
  if (jobs && (who.job === undefined || !anyGlob(jobs, who.job))) return false;
  return true;
}

/** A rule with `connections` applies only on those connections; without, on all of them. */
export function appliesOn(rule: CompiledRule, connection: string): boolean {
  return rule.connections === undefined || anyGlob(rule.connections, connection);
}

/** Most specific first (subject > job > group > wildcard), then load order. */
export function byPrecedence(a: CompiledRule, b: CompiledRule): number {
  return b.specificity - a.specificity || a.order - b.order;
}

/**
 * The cache key of a caller on a connection: everything rule matching reads (subject, job, groups, connection),
 * length-prefixed so no subject, job or group spelling can make two callers share a key.
 */
export function callerKey(who: Identity | undefined, connection: string): string {
  if (!who) return `-${connection.length}:${connection}`;
  let key = `${who.subject.length}:${who.subject}${who.job === undefined ? '-' : `${who.job.length}:${who.job}`}${who.groups.length}|`;
  for (const g of who.groups) key += `${g.length}:${g}`;
  return `${key}${connection.length}:${connection}`;
}

/**
 * A per-policy cache (policies are immutable: a reload builds a new object, so stale entries go with the old one),
 * emptied once it holds `max` entries.
 */
export function cacheFor<V>(store: WeakMap<Policy, Map<string, V>>, policy: Policy, max: number): Map<string, V> {
  let m = store.get(policy);
  if (!m) store.set(policy, (m = new Map()));
  if (m.size >= max) m.clear();
  return m;
}

export function applicableRules(policy: Policy, who: Identity, connection: string): CompiledRule[] {
  return policy.rules.filter((r) => matchesIdentity(r, who) && appliesOn(r, connection)).sort(byPrecedence);
}

/** Whether a rule matching this caller lets it name its job in `x-sluice-job` (auth's `jobHeader(headers, allowed)`). */
export function jobHeaderAllowed(policy: Policy, who: Identity): boolean {
  return who.job === undefined && policy.rules.some((r) => r.allowJobHeader === true && matchesIdentity(r, who));
}

/**
 * The job claimed in the token always wins. A job header (`x-sluice-job`) is taken only when the token
 * has none and a rule matching the caller says `allowJobHeader: true`; otherwise anyone could pick a job.
 */
export function resolveJob(policy: Policy, who: Identity, jobHeader: string | undefined): { identity: Identity; note?: string } {
  if (jobHeader === undefined || jobHeader === '') return { identity: who };
  if (who.job !== undefined) return { identity: who, note: `job header ignored: the token names job "${who.job}"` };
  const permit = policy.rules.find((r) => r.allowJobHeader === true && matchesIdentity(r, who));
  if (!permit) return { identity: who, note: 'job header ignored: no rule matching this caller sets allowJobHeader' };
  return { identity: { ...who, job: jobHeader }, note: `job "${jobHeader}" taken from the job header (allowed by rule ${permit.id})` };
}
