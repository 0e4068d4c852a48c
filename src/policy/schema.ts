// The policy file schema: one YAML file → a validated PolicyFileSpec, or issues naming file, line and key.
// Unknown keys are rejected everywhere (a typo must not silently weaken policy). docs/policy.md documents it.
import { LineCounter, isMap, isScalar, parseDocument, visit, type Node } from 'yaml';
import {
  at, child, readBool, readDuration, readEnum, readInt, readMap, readSeq, readString, readStringList, report,
  requireField, type Fields, type Reader,
} from './yaml-read.js';
import { ACTIONS, DETECTOR_ID, loc, readConditions, readDetector } from './schema-parts.js';
import type { PatternValidator } from './pattern.js';
import type { DetectorSpec, PolicyAction, PolicyFileSpec, PolicyIssue, QuotaSpec, RuleMatch, RuleSpec } from './types.js';

export const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TOP_KEYS = ['version', 'detectors', 'reviewers', 'rules'] as const;
const RULE_KEYS = [
  'id', 'description', 'match', 'connections', 'models', 'detectors', 'restoreTokens', 'approve', 'block',
  'justification', 'maxBodyBytes', 'quotas', 'allowJobHeader', 'reviewers',
] as const;
const MAX_BODY_LIMIT = 1 << 30;

/** Parse and validate one policy file. `spec` is set only when there are no issues. */
export function readPolicyFile(file: string, text: string, validate: PatternValidator): { spec?: PolicyFileSpec; issues: PolicyIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { keepSourceTokens: true, lineCounter, prettyErrors: false });
  const r: Reader = { file, lineCounter, issues: [] };
  for (const e of doc.errors) {
    r.issues.push({ file, line: lineCounter.linePos(e.pos[0]).line, key: '(yaml)', message: e.message.split('\n')[0] });
  }
  if (r.issues.length > 0) return { issues: r.issues };
  visit(doc, {
    Alias(_, node) {
      report(r, node as unknown as Node, '(yaml)', 'aliases are not supported in policy files; repeat the value');
    },
  });
  const root = doc.contents as Node | null;
  const f = readMap(r, root, '', TOP_KEYS);
  if (!f) return { issues: r.issues };
  if (requireField(r, f, root, '', 'version')) {
    const v = at(f.get('version')!);
    if (!isScalar(v) || v.value !== 1) report(r, v, 'version', 'must be 1 (the only policy format so far)');
  }
  const detectors = f.has('detectors') ? readList(r, f, 'detectors', (n, k) => readDetector(r, n, k, validate)) : [];
  const rules = f.has('rules') ? readList(r, f, 'rules', (n, k) => readRule(r, n, k, validate)) : [];
  const reviewers = f.has('reviewers') ? readReviewers(r, f) : { groups: [], operators: [] };
  if (r.issues.length > 0 || !detectors || !rules || !reviewers) return { issues: r.issues };
  return {
    spec: { file, detectors: detectors as DetectorSpec[], rules: rules as RuleSpec[], reviewerGroups: reviewers.groups, operatorGroups: reviewers.operators },
    issues: [],
  };
}

function readList<T>(r: Reader, f: Fields, name: string, item: (n: Node | null, k: string) => T | undefined): T[] | undefined {
  const items = readSeq(r, at(f.get(name)!), name);
  if (!items) return undefined;
  const out = items.map(([n, k]) => item(n, k));
  return out.every((x) => x !== undefined) ? (out as T[]) : undefined;
}

/** `reviewers: {groups, operators}`: who reviews approvals of rules that name no reviewers, and who sees everything. */
function readReviewers(r: Reader, f: Fields): { groups: string[]; operators: string[] } | undefined {
  const node = at(f.get('reviewers')!);
  const g = readMap(r, node, 'reviewers', ['groups', 'operators']);
  if (!g) return undefined;
  if (!g.has('operators') && !requireField(r, g, node, 'reviewers', 'groups')) return undefined;
  const groups = g.has('groups') ? readStringList(r, at(g.get('groups')!), 'reviewers.groups') : [];
  const operators = g.has('operators') ? readStringList(r, at(g.get('operators')!), 'reviewers.operators') : [];
  return groups && operators ? { groups, operators } : undefined;
}

/** A rule's own `reviewers: {groups}`: only they (and operators) see and decide the approvals it raises. */
function readRuleReviewers(r: Reader, node: Node, key: string): string[] | undefined {
  const g = readMap(r, node, key, ['groups']);
  if (!g || !requireField(r, g, node, key, 'groups')) return undefined;
  return readStringList(r, at(g.get('groups')!), child(key, 'groups'));
}

function readRule(r: Reader, node: Node | null, key: string, validate: PatternValidator): RuleSpec | undefined {
  const f = readMap(r, node, key, RULE_KEYS);
  if (!f) return undefined;
  const hasId = requireField(r, f, node, key, 'id');
  const hasMatch = requireField(r, f, node, key, 'match');
  if (!hasId || !hasMatch) return undefined;
  const before = r.issues.length;
  const field = (name: string) => at(f.get(name)!);
  const k = (name: string) => child(key, name);
  const opt = <T>(name: string, read: (n: Node, k: string) => T | undefined): T | undefined =>
    f.has(name) ? read(field(name), k(name)) : undefined;

  const id = readString(r, field('id'), k('id'), RULE_ID, 'letters, digits, _ . and -');
  if (f.has('description')) readString(r, field('description'), k('description'));
  const match = readMatch(r, field('match'), k('match'));
  const connections = opt('connections', (n, kk) => readStringList(r, n, kk));
  const models = opt('models', (n, kk) => readStringList(r, n, kk));
  if (f.has('models') && !f.has('connections')) {
    report(r, field('models'), k('models'), "needs `connections` in the same rule (a rule grants models on its connections; use connections: ['*'])");
  }
  const detectors = opt('detectors', (n, kk) => readActionMap(r, n, kk)) ?? [];
  const restoreTokens = opt('restoreTokens', (n, kk) => readBool(r, n, kk));
  const approve = opt('approve', (n, kk) => readConditions(r, n, kk, 'approve', validate)) ?? [];
  const block = opt('block', (n, kk) => readConditions(r, n, kk, 'block', validate)) ?? [];
  const justification = opt('justification', (n, kk) => readJustification(r, n, kk));
  const maxBodyBytes = opt('maxBodyBytes', (n, kk) => readInt(r, n, kk, 1, MAX_BODY_LIMIT));
  const quotas = opt('quotas', (n, kk) => readQuotas(r, n, kk)) ?? [];
  const allowJobHeader = opt('allowJobHeader', (n, kk) => readBool(r, n, kk));
  const reviewers = opt('reviewers', (n, kk) => readRuleReviewers(r, n, kk));
  if (r.issues.length > before || id === undefined || !match) return undefined;
  return {
    id, at: loc(r, field('id'), k('id')), match, detectors, approve, block, quotas,
    ...(connections ? { connections } : {}),
    ...(models ? { models } : {}),
    ...(restoreTokens === undefined ? {} : { restoreTokens }),
    ...(justification ? { justification } : {}),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    ...(allowJobHeader === undefined ? {} : { allowJobHeader }),
    ...(reviewers ? { reviewers } : {}),
  };
}

function readMatch(r: Reader, node: Node, key: string): RuleMatch | undefined {
  const f = readMap(r, node, key, ['subjects', 'groups', 'jobs']);
  if (!f) return undefined;
  if (f.size === 0) {
    report(r, node, key, "must name at least one of: subjects, groups, jobs (use subjects: ['*'] for every caller)");
    return undefined;
  }
  const out: RuleMatch = {};
  for (const name of ['subjects', 'groups', 'jobs'] as const) {
    if (!f.has(name)) continue;
    const list = readStringList(r, at(f.get(name)!), child(key, name));
    if (!list) return undefined;
    out[name] = list;
  }
  return out;
}

function readActionMap(r: Reader, node: Node, key: string): RuleSpec['detectors'] | undefined {
  if (!isMap(node)) {
    report(r, node, key, 'must be a map of detector id → action');
    return undefined;
  }
  const out: RuleSpec['detectors'] = [];
  for (const pair of node.items as Array<{ key: Node; value: Node | null }>) {
    const id = readString(r, pair.key, key, DETECTOR_ID, 'a detector id');
    if (id === undefined) continue;
    const action = readEnum(r, pair.value, child(key, id), ACTIONS);
    if (action) out.push({ id, action: action as PolicyAction, at: loc(r, pair.key, child(key, id)) });
  }
  return out;
}

function readJustification(r: Reader, node: Node, key: string): RuleSpec['justification'] {
  const f = readMap(r, node, key, ['required', 'minLength']);
  if (!f) return undefined;
  const required = f.has('required') ? readBool(r, at(f.get('required')!), child(key, 'required')) : true;
  const minLength = f.has('minLength') ? readInt(r, at(f.get('minLength')!), child(key, 'minLength'), 1, 10_000) : 1;
  return required === undefined || minLength === undefined ? undefined : { required, minLength };
}

function readQuotas(r: Reader, node: Node, key: string): QuotaSpec[] | undefined {
  const items = readSeq(r, node, key);
  if (!items) return undefined;
  const out: QuotaSpec[] = [];
  for (const [item, k] of items) {
    const f = readMap(r, item, k, ['per', 'requests', 'tokens', 'window']);
    if (!f) return undefined;
    const hasPer = requireField(r, f, item, k, 'per');
    const hasWindow = requireField(r, f, item, k, 'window');
    if (!f.has('requests') && !f.has('tokens')) report(r, item, k, 'needs `requests`, `tokens` or both');
    if (!hasPer || !hasWindow || (!f.has('requests') && !f.has('tokens'))) return undefined;
    const per = readEnum(r, at(f.get('per')!), child(k, 'per'), ['subject', 'job', 'group'] as const);
    const window = readDuration(r, at(f.get('window')!), child(k, 'window'));
    const limit = (name: string) => (f.has(name) ? readInt(r, at(f.get(name)!), child(k, name), 1, Number.MAX_SAFE_INTEGER) : undefined);
    const requests = limit('requests');
    const tokens = limit('tokens');
    if (!per || !window || (f.has('requests') && !requests) || (f.has('tokens') && !tokens)) return undefined;
    out.push({ per, window: window.text, windowSeconds: window.seconds, ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) });
  }
  return out;
}
