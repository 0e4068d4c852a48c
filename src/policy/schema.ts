// The policy file, written once: types, validation, messages, defaults and docs/policy.md's reference tables come
// from this schema. Unknown keys are rejected everywhere (a typo must not silently weaken policy).
import * as v from 'valibot';
import { BUILTIN_DETECTORS } from '../inspect/api.js';
import { at, bool, def, int, list, nonEmptyList, obj, oneOf, opt, pattern, req, text } from '../config/kit.js';
import type { PatternValidator } from './pattern.js';
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS } from './types.js';

export const ACTIONS = ['mask', 'redact', 'tokenize', 'hash', 'block', 'approve', 'report', 'off'] as const;
export const DETECTOR_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const DEFAULT_REGEX_MAX_LENGTH = 256;
const MAX_REGEX_LENGTH = 4096;
const MAX_BODY_LIMIT = 1 << 30;
const TRIGGERS = ['detectors', 'keywords', 'regex', 'models', 'tools'] as const;
const REGEX_KEYS = ['pattern', 'flags', 'maxLength', 'anchors'] as const;
const KEYWORD_KEYS = ['keywords', 'caseInsensitive', 'wholeWord'] as const;

const strings = (doc: string, examples?: unknown[]) => opt(nonEmptyList(text()), { description: doc, ...(examples ? { examples } : {}) });
const detectorId = () => pattern(DETECTOR_ID, 'a detector id (letters, digits, _ and -, starting with a letter)');
const action = () => oneOf(ACTIONS);
const isBuiltin = (id: string): boolean => (BUILTIN_DETECTORS as readonly string[]).includes(id);

/** The policy schema with custom regexes checked by `validate` (RE2: no pattern can ReDoS the gateway). */
export function policySchema(validate: PatternValidator) {
  let schema = cache.get(validate);
  if (!schema) cache.set(validate, (schema = build(validate)));
  return schema;
}
const cache = new WeakMap<PatternValidator, ReturnType<typeof build>>();

function build(validate: PatternValidator) {
  // Flags are checked on their own; a pattern is only compiled with flags that passed.
  const patternOk = (p: string, flags: string) => !/^[ims]*$/.test(flags) || validate(p, flags) === undefined;
  const problem = (p: string, flags: string) => validate(p, flags) ?? 'invalid pattern';
  const flags = () => pattern(/^[ims]*$/, 'a combination of i, m, s');
  const FLAGS_DOC = 'RE2 flags: any of `i`, `m`, `s`.';
  const MAX_LENGTH_DOC = 'Longest match in characters.';
  const ANCHORS_DOC = 'Literals that start every match (a fast prefilter).';
  const regex = v.union(
    [
      v.pipe(
        text(),
        v.rawCheck(({ dataset, addIssue }) => {
          if (dataset.typed && !patternOk(dataset.value, '')) addIssue({ message: problem(dataset.value, '') });
        }),
      ),
      v.pipe(
        obj({
          pattern: req(text(), 'RE2 pattern.'),
          flags: def(flags(), '', FLAGS_DOC),
          maxLength: def(int(1, MAX_REGEX_LENGTH), DEFAULT_REGEX_MAX_LENGTH, MAX_LENGTH_DOC),
          anchors: strings(ANCHORS_DOC, [['CUST-']]),
        }),
        v.forward(
          v.partialCheck([['pattern'], ['flags']], (o) => patternOk(o.pattern, o.flags), (i) => {
            const o = i.input as { pattern: string; flags: string };
            return problem(o.pattern, o.flags);
          }),
          ['pattern'],
        ),
      ),
    ],
    'expected a pattern, or a mapping with pattern, flags, maxLength, anchors',
  );

  // Which keys a detector may have depends on its kind, so the kind's defaults are applied after the check (read.ts).
  const detector = v.pipe(
    obj({
      id: req(detectorId(), { description: 'A built-in detector id (to give it a default action) or a new id.', examples: ['customer_id'] }),
      type: opt(detectorId(), { description: 'Finding type reported by a custom detector (default: the id).', examples: ['customer_id'] }),
      action: opt(action(), { description: 'Default action for every caller; rules override it.', examples: ['redact'] }),
      pattern: opt(text(), { description: 'A custom regex detector: its RE2 pattern.', examples: ['CUST-[0-9]{7}'] }),
      flags: opt(flags(), { description: FLAGS_DOC, default: '' }),
      maxLength: opt(int(1, MAX_REGEX_LENGTH), { description: MAX_LENGTH_DOC, default: DEFAULT_REGEX_MAX_LENGTH }),
      anchors: strings(ANCHORS_DOC, [['CUST-']]),
      keywords: strings('A keyword list detector: its phrases.', [['bluebird', 'kestrel']]),
      caseInsensitive: opt(bool(), { description: 'Keywords match in any case.', default: true }),
      wholeWord: opt(bool(), { description: 'Keywords match whole words only (default: for alphabetic keywords).', examples: [true] }),
    }),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const d = dataset.value;
      const kind = isBuiltin(d.id) ? 'built-in' : d.pattern !== undefined ? 'regex' : d.keywords !== undefined ? 'keywords' : undefined;
      if (!kind) return addIssue({ message: `"${d.id}" is not a built-in detector, so it needs \`pattern\` (regex) or \`keywords\`` });
      const allowed: readonly string[] = ['id', 'action', ...(kind === 'built-in' ? [] : ['type']), ...(kind === 'regex' ? REGEX_KEYS : kind === 'keywords' ? KEYWORD_KEYS : [])];
      for (const [key, value] of Object.entries(d)) {
        if (value !== undefined && !allowed.includes(key)) addIssue({ message: `not allowed for a ${kind} detector`, path: at(key) });
      }
      if (kind === 'regex' && !patternOk(d.pattern!, d.flags ?? '')) addIssue({ message: problem(d.pattern!, d.flags ?? ''), path: at('pattern') });
    }),
  );

  const triggers = {
    detectors: opt(list(detectorId()), { description: 'Holds on a finding of any listed detector.', examples: [['card']] }),
    keywords: strings('Holds when the prompt contains a listed phrase.', [['terraform apply']]),
    regex: opt(list(regex), { description: 'Holds when the prompt matches a listed RE2 pattern.', examples: [['rm\\s+-rf\\s+/']] }),
    models: strings('Holds when the requested model matches a listed glob.', [['gpt-4o*']]),
    tools: strings('Holds when a tool declared or called in the request matches a listed glob.', [['shell']]),
  };
  const needsTrigger = <T extends object>() =>
    v.check<T, string>((c) => TRIGGERS.some((t) => (c as Record<string, unknown>)[t] !== undefined), `needs at least one of: ${TRIGGERS.join(', ')}`);
  const approveCondition = v.pipe(
    obj({
      ...triggers,
      mode: def(oneOf(['hold', 'ticket']), 'hold', '`hold`: the request waits; `ticket`: an immediate error with an approval id.'),
      timeoutSeconds: def(int(1, 86_400), DEFAULT_APPROVAL_TIMEOUT_SECONDS, 'How long a held request waits for a reviewer.'),
    }),
    needsTrigger(),
  );
  const blockCondition = v.pipe(obj({ ...triggers, message: opt(text(), { description: 'Shown to the caller (default: the rule id).', examples: ['Destructive shell commands are not allowed.'] }) }), needsTrigger());
  const oneOrList = <S extends v.GenericSchema>(condition: S, doc: string) =>
    opt(v.union([condition, list(condition)], 'expected a condition (a mapping) or a list of them'), doc);

  const quota = v.pipe(
    obj({
      per: req(oneOf(['subject', 'job', 'group']), { description: 'One counter per caller, per job, or per group the rule matches.', examples: ['subject'] }),
      requests: opt(int(1), { description: 'Requests per window.', examples: [600] }),
      tokens: opt(int(1), { description: 'Tokens per window (from the usage the provider reports).', examples: [2000000] }),
      window: req(pattern(/^[1-9][0-9]{0,5}[smhd]$/, 'a duration like 30s, 1m, 1h or 1d'), { description: 'Fixed window aligned to the clock.', examples: ['1m'] }),
    }),
    v.check((q) => q.requests !== undefined || q.tokens !== undefined, 'needs `requests`, `tokens` or both'),
  );

  const rule = v.pipe(
    obj({
      id: req(pattern(RULE_ID, 'a rule id (letters, digits, _ . and -)'), { description: 'Unique across all policy files.', examples: ['analysts'] }),
      description: opt(text(), { description: 'Free text.', examples: ['People exploring data'] }),
      match: req(
        v.pipe(
          obj({
            subjects: strings('Globs of the caller subject.', [['*']]),
            groups: strings('Globs of the caller groups (any may match).', [['analysts']]),
            jobs: strings('Globs of the caller job.', [['spark-*']]),
          }),
          v.check((m) => m.subjects !== undefined || m.groups !== undefined || m.jobs !== undefined, "must name at least one of: subjects, groups, jobs (use subjects: ['*'] for every caller)"),
        ),
        'Who the rule applies to: every dimension named must match.',
      ),
      connections: strings('Connections the rule grants (a rule with connections is a grant).', [['openai']]),
      models: strings('Model globs granted on those connections (needs `connections`).', [['gpt-4o*']]),
      detectors: opt(v.record(detectorId(), action(), 'expected a mapping of detector id → action'), { description: 'Detector id → action.', examples: [{ card: 'mask' }] }),
      restoreTokens: opt(bool(), { description: 'Restore tokenized values in responses.', examples: [true] }),
      approve: oneOrList(approveCondition, 'Conditions that hold the request for a reviewer.'),
      block: oneOrList(blockCondition, 'Conditions that refuse the request.'),
      justification: opt(
        obj({
          required: def(bool(), true, 'The caller must send `x-sluice-justification`.'),
          minLength: def(int(1, 10_000), 1, 'Characters at least (trimmed).'),
        }),
        'A justification on every call.',
      ),
      maxBodyBytes: opt(int(1, MAX_BODY_LIMIT), { description: 'Larger bodies are refused (413); the smallest applying limit wins.', examples: [262144] }),
      quotas: opt(list(quota), 'Quotas; every quota of every applying rule is enforced.'),
      allowJobHeader: opt(bool(), { description: 'Callers whose token names no job may name it in `x-sluice-job`.', examples: [true] }),
      reviewers: opt(
        obj({ groups: req(nonEmptyList(text()), { description: 'Groups that review this rule\'s approvals.', examples: [['data-stewards']] }) }),
        "Reviewers of this rule's approvals, instead of the policy-wide `reviewers.groups` (operators always may).",
      ),
    }),
    v.forward(
      v.partialCheck([['models'], ['connections']], (r) => r.models === undefined || r.connections !== undefined, "needs `connections` in the same rule (a rule grants models on its connections; use connections: ['*'])"),
      ['models'],
    ),
  );

  return obj({
    version: req(v.literal(1, 'expected 1 (the only policy format so far)'), { description: 'Policy format; always 1.', examples: [1] }),
    reviewers: opt(
      v.pipe(
        obj({
          groups: strings('Review approvals of rules that name no reviewers of their own.', [['reviewers']]),
          operators: strings('See and decide every approval, and read the whole audit trail, shadow findings and policies.', [['sluice-operators']]),
        }),
        v.rawCheck(({ dataset, addIssue }) => {
          if (dataset.typed && dataset.value.groups === undefined && dataset.value.operators === undefined) addIssue({ message: 'is required', path: at('groups') });
        }),
      ),
      'Who reviews held requests.',
    ),
    detectors: opt(list(detector), 'The catalogue: built-in defaults and custom detectors.'),
    rules: opt(list(rule), 'Who may call what, and what happens to their traffic.'),
  });
}

export type PolicyDocument = v.InferOutput<ReturnType<typeof build>>;
