// The inspection profile for a caller: which detectors run with which action, known before the body is read.
// Profiles are cached per policy and per set of applicable rules (which is what group membership selects).
import { createHash } from 'node:crypto';
import type { CustomPatternDetector, DetectorSetting, InspectionProfile, KeywordDetector } from '../inspect/api.js';
import { BUILTIN_DETECTORS } from '../inspect/api.js';
import type { DetectorAction, Identity } from '../types.js';
import { SluiceError } from '../errors.js';
import { conditionsOf, resolveDetectorActions } from './detectors.js';
import { applicableRules, cacheFor, callerKey } from './match.js';
import type { CompiledRule, Policy } from './types.js';

const MAX_CACHED_PER_POLICY = 1024;

export interface Profiler {
  profileFor(policy: Policy, identity: Identity | undefined, connection: string): InspectionProfile;
}

/** `secret` keys `hash`/`tokenize` (HMAC, hex); it is copied into profiles but never into their `key`. */
export function createProfiler(opts: { secret: string }): Profiler {
  if (!/^[0-9a-f]{32,}$/i.test(opts.secret)) {
    throw new SluiceError('SLUICE_INTERNAL', 'profile secret must be at least 16 bytes of hex');
  }
  // Profiles by the set of applicable rules (what group membership selects), and by caller: the same caller asks
  // on every request, so the hot path is one key and one lookup instead of matching every rule (issue 13 §2).
  const byRules = new WeakMap<Policy, Map<string, InspectionProfile>>();
  const byCaller = new WeakMap<Policy, Map<string, InspectionProfile>>();

  function profileFor(policy: Policy, identity: Identity | undefined, connection: string): InspectionProfile {
    const callers = cacheFor(byCaller, policy, MAX_CACHED_PER_POLICY);
    const key = callerKey(identity, connection);
    let profile = callers.get(key);
    if (profile) return profile;
    const rules = identity ? applicableRules(policy, identity, connection) : [];
    const sets = cacheFor(byRules, policy, MAX_CACHED_PER_POLICY);
    const ids = rules.map((r) => r.id).join('\0');
    profile = sets.get(ids);
    if (!profile) sets.set(ids, (profile = buildProfile(policy, rules, opts.secret)));
    callers.set(key, profile);
    return profile;
  }

  return { profileFor };
}

export function buildProfile(policy: Policy, rules: readonly CompiledRule[], secret: string): InspectionProfile {
  const actions = resolveDetectorActions(policy, rules);
  const builtins: DetectorSetting[] = [];
  const custom: CustomPatternDetector[] = [];
  const keywords: KeywordDetector[] = [];
  for (const id of BUILTIN_DETECTORS) {
    const a = actions.get(id);
    if (a && a.action !== 'off') builtins.push({ id, action: a.action });
  }
  for (const d of policy.detectors.values()) {
    const a = actions.get(d.id)?.action;
    if (d.kind === 'builtin' || a === undefined || a === 'off') continue;
    const action: DetectorAction = a;
    if (d.kind === 'regex') {
      custom.push({
        id: d.id, type: d.type, pattern: d.pattern, maxLength: d.maxLength, action,
        ...(d.flags ? { flags: d.flags } : {}),
        ...(d.anchors ? { anchors: d.anchors } : {}),
      });
    } else {
      keywords.push({
        id: d.id, type: d.type, keywords: d.keywords, caseInsensitive: d.caseInsensitive, action,
        ...(d.wholeWord === undefined ? {} : { wholeWord: d.wholeWord }),
      });
    }
  }
  for (const c of conditionsOf(rules)) {
    if (c.keywordDetector) keywords.push(c.keywordDetector);
    custom.push(...c.regexDetectors);
  }
  const content = { builtins, custom, keywords };
  const key = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
  return Object.freeze({ key, ...content, secret });
}
