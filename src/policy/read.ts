// One policy file → a PolicyFileSpec whose rules, detectors and conditions know where they were written, or
// every problem in it (`file:line:column: key: message`).
import * as v from 'valibot';
import { parseYaml } from '../config/source.js';
import { pathText, problemsFrom, sortProblems, type Position, type Problem } from '../config/problems.js';
import type { Path } from '../config/kit.js';
import { BUILTIN_DETECTORS } from '../inspect/api.js';
import { policySchema, DEFAULT_REGEX_MAX_LENGTH, type PolicyDocument } from './schema.js';
import type { PatternValidator } from './pattern.js';
import type { ConditionSpec, DetectorSpec, PolicyFileSpec, PolicyIssue, RegexSpec, RuleSpec, SourceLoc } from './types.js';

type Locate = (path: Path, key?: boolean) => Position | undefined;
type Rule = NonNullable<PolicyDocument['rules']>[number];
type Condition = Extract<NonNullable<Rule['approve']>, { mode: string }> | Extract<NonNullable<Rule['block']>, { message?: string }>;

/** Parse and validate one policy file. `spec` is set only when there are no issues. */
export function readPolicyFile(file: string, text: string, validate: PatternValidator): { spec?: PolicyFileSpec; issues: PolicyIssue[] } {
  const { source, problems } = parseYaml(text, file, { aliases: false });
  if (!source) return { issues: problems.map(toIssue) };
  const schema = policySchema(validate);
  const result = v.safeParse(schema, source.value);
  if (!result.success) return { issues: sortProblems(problemsFrom(result.issues, { schema, file, locate: source.locate })).map(toIssue) };
  return { spec: toSpec(result.output, file, source.locate), issues: [] };
}

const toIssue = (p: Problem): PolicyIssue => ({
  file: p.file ?? '',
  line: p.line ?? 1,
  ...(p.column ? { column: p.column } : {}),
  key: pathText(p.path) || '(root)',
  message: p.message,
});

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const isBuiltin = (id: string): boolean => (BUILTIN_DETECTORS as readonly string[]).includes(id);

function toSpec(doc: PolicyDocument, file: string, locate: Locate): PolicyFileSpec {
  const loc = (path: Path, key = false): SourceLoc => {
    const p = locate(path, key);
    return { file, line: p?.line ?? 1, ...(p ? { column: p.column } : {}), key: pathText(path) };
  };
  const detectors = (doc.detectors ?? []).map((d, i): DetectorSpec => {
    const common = { id: d.id, at: loc(['detectors', i, 'id']), ...(d.action ? { action: d.action } : {}) };
    if (isBuiltin(d.id)) return { kind: 'builtin', ...common };
    const type = d.type ?? d.id;
    if (d.pattern !== undefined) {
      return { kind: 'regex', type, ...common, pattern: d.pattern, flags: d.flags ?? '', maxLength: d.maxLength ?? DEFAULT_REGEX_MAX_LENGTH, ...(d.anchors ? { anchors: d.anchors } : {}) };
    }
    return { kind: 'keywords', type, ...common, keywords: d.keywords ?? [], caseInsensitive: d.caseInsensitive ?? true, ...(d.wholeWord === undefined ? {} : { wholeWord: d.wholeWord }) };
  });

  const condition = (c: Condition, at: Path): ConditionSpec => ({
    detectors: (c.detectors ?? []).map((id, k) => ({ id, at: loc([...at, 'detectors', k]) })),
    keywords: c.keywords ?? [],
    models: c.models ?? [],
    tools: c.tools ?? [],
    regex: (c.regex ?? []).map((re): RegexSpec => (typeof re === 'string' ? { pattern: re, flags: '', maxLength: DEFAULT_REGEX_MAX_LENGTH } : re)),
    mode: 'mode' in c ? c.mode : 'hold',
    timeoutSeconds: 'timeoutSeconds' in c ? c.timeoutSeconds : 0,
    ...('message' in c && c.message !== undefined ? { message: c.message } : {}),
    at: loc(at),
  });
  const conditions = (list: Condition | Condition[] | undefined, at: Path): ConditionSpec[] =>
    list === undefined ? [] : Array.isArray(list) ? list.map((c, j) => condition(c, [...at, j])) : [condition(list, at)];

  const rules = (doc.rules ?? []).map((r: Rule, i): RuleSpec => {
    const p: Path = ['rules', i];
    return {
      id: r.id,
      at: loc([...p, 'id']),
      match: r.match,
      detectors: Object.entries(r.detectors ?? {}).map(([id, action]) => ({ id, action, at: loc([...p, 'detectors', id], true) })),
      approve: conditions(r.approve, [...p, 'approve']),
      block: conditions(r.block, [...p, 'block']),
      quotas: (r.quotas ?? []).map((q) => ({
        per: q.per,
        window: q.window,
        windowSeconds: Number(q.window.slice(0, -1)) * UNITS[q.window.slice(-1)],
        ...(q.requests === undefined ? {} : { requests: q.requests }),
        ...(q.tokens === undefined ? {} : { tokens: q.tokens }),
      })),
      ...(r.connections ? { connections: r.connections } : {}),
      ...(r.models ? { models: r.models } : {}),
      ...(r.restoreTokens === undefined ? {} : { restoreTokens: r.restoreTokens }),
      ...(r.justification ? { justification: r.justification } : {}),
      ...(r.maxBodyBytes === undefined ? {} : { maxBodyBytes: r.maxBodyBytes }),
      ...(r.allowJobHeader === undefined ? {} : { allowJobHeader: r.allowJobHeader }),
      ...(r.reviewers ? { reviewers: r.reviewers.groups } : {}),
    };
  });
  return { file, detectors, rules, reviewerGroups: doc.reviewers?.groups ?? [], operatorGroups: doc.reviewers?.operators ?? [] };
}
