// One test per schema message kind: each names the file, the line and the key.
import { describe, expect, it } from 'vitest';
import { issuesOf } from './helpers.js';

const rule = (body: string) => `version: 1\nrules:\n  - id: r1\n    match: { groups: [g] }\n${body}`;

const cases: Array<[string, string, string]> = [
  ['yaml syntax error', 'version: 1\nrules: [\n  - id', 'p.yaml:3: (yaml): '],
  ['duplicate yaml key', 'version: 1\nversion: 1\n', 'p.yaml:2: (yaml): Map keys must be unique'],
  ['unknown top-level key', 'version: 1\nrulez: []\n', 'p.yaml:2: rulez: unknown key (expected one of: version, detectors, reviewers, rules)'],
  ['missing version', 'rules: []\n', 'p.yaml:1: version: is required'],
  ['wrong version', 'version: 2\n', 'p.yaml:1: version: must be 1 (the only policy format so far)'],
  ['root not a map', '- a\n- b\n', 'p.yaml:1: (root): must be a map'],
  ['unknown rule key', rule('    conections: [openai]\n'), 'p.yaml:5: rules[0].conections: unknown key (expected one of: id, description, match,'],
  ['missing rule id', 'version: 1\nrules:\n  - match: { groups: [g] }\n', 'p.yaml:3: rules[0].id: is required'],
  ['missing match', 'version: 1\nrules:\n  - id: r1\n', 'p.yaml:3: rules[0].match: is required'],
  ['empty match', 'version: 1\nrules:\n  - id: r1\n    match: {}\n', "p.yaml:4: rules[0].match: must name at least one of: subjects, groups, jobs (use subjects: ['*'] for every caller)"],
  ['bad rule id', 'version: 1\nrules:\n  - id: "has space"\n    match: { groups: [g] }\n', 'p.yaml:3: rules[0].id: must match letters, digits, _ . and -'],
  ['not a list', rule('    connections: openai\n'), 'p.yaml:5: rules[0].connections: must be a list'],
  ['empty list', rule('    connections: []\n'), 'p.yaml:5: rules[0].connections: must not be empty'],
  ['empty string', rule("    connections: ['']\n"), 'p.yaml:5: rules[0].connections[0]: must be a non-empty string'],
  ['models without connections', rule('    models: [gpt-4o]\n'), 'p.yaml:5: rules[0].models: needs `connections` in the same rule'],
  ['bad action', rule('    detectors: { card: scramble }\n'), 'p.yaml:5: rules[0].detectors.card: must be one of: mask, redact, tokenize, hash, block, approve, report, off'],
  ['detectors not a map', rule('    detectors: [card]\n'), 'p.yaml:5: rules[0].detectors: must be a map of detector id → action'],
  ['unknown detector in rule', rule('    detectors:\n      card: mask\n      crad: mask\n'), 'p.yaml:7: rules[0].detectors.crad: unknown detector "crad" (not built in and not declared under detectors:)'],
  ['unknown detector in condition', rule('    approve:\n      - detectors: [nope]\n'), 'p.yaml:6: rules[0].approve[0].detectors[0]: unknown detector "nope"'],
  ['not a boolean', rule('    restoreTokens: yes\n'), 'p.yaml:5: rules[0].restoreTokens: must be true or false'],
  ['integer out of range', rule('    maxBodyBytes: 0\n'), 'p.yaml:5: rules[0].maxBodyBytes: must be an integer from 1 to 1073741824'],
  ['bad duration', rule('    quotas:\n      - { per: subject, requests: 5, window: 1w }\n'), 'p.yaml:6: rules[0].quotas[0].window: must be a duration like 30s, 1m, 1h or 1d'],
  ['quota without limit', rule('    quotas:\n      - { per: subject, window: 1m }\n'), 'p.yaml:6: rules[0].quotas[0]: needs `requests`, `tokens` or both'],
  ['quota bad per', rule('    quotas:\n      - { per: team, requests: 1, window: 1m }\n'), 'p.yaml:6: rules[0].quotas[0].per: must be one of: subject, job, group'],
  ['condition without trigger', rule('    approve:\n      - mode: hold\n'), 'p.yaml:6: rules[0].approve[0]: needs at least one of: detectors, keywords, regex, models, tools'],
  ['bad approval mode', rule('    approve: { keywords: [x], mode: wait }\n'), 'p.yaml:5: rules[0].approve.mode: must be one of: hold, ticket'],
  ['message on approve', rule('    approve: { keywords: [x], message: hi }\n'), 'p.yaml:5: rules[0].approve.message: unknown key (expected one of: detectors, keywords, regex, models, tools, mode, timeoutSeconds)'],
  ['invalid condition regex', rule("    block:\n      - regex: ['(a']\n"), 'p.yaml:6: rules[0].block[0].regex[0]: invalid pattern: missing ): (a'],
  ['invalid detector regex', "version: 1\ndetectors:\n  - id: cust\n    pattern: '(?<=x)a'\n    maxLength: 5\n", 'p.yaml:4: detectors[0].pattern: invalid pattern: invalid perl operator: (?<'],
  ['bad regex flags', "version: 1\ndetectors:\n  - id: cust\n    pattern: 'a'\n    flags: g\n", 'p.yaml:5: detectors[0].flags: must match a combination of i, m, s'],
  ['maxLength out of range', "version: 1\ndetectors:\n  - id: cust\n    pattern: 'a'\n    maxLength: 100000\n", 'p.yaml:5: detectors[0].maxLength: must be an integer from 1 to 4096'],
  ['key not allowed for built-in', 'version: 1\ndetectors:\n  - id: card\n    pattern: x\n', 'p.yaml:4: detectors[0].pattern: not allowed for a built-in detector'],
  ['key not allowed for keywords', 'version: 1\ndetectors:\n  - id: kw\n    keywords: [a]\n    maxLength: 3\n', 'p.yaml:5: detectors[0].maxLength: not allowed for a keywords detector'],
  ['custom detector without body', 'version: 1\ndetectors:\n  - id: mine\n    action: mask\n', 'p.yaml:3: detectors[0]: "mine" is not a built-in detector, so it needs `pattern` (regex) or `keywords`'],
  ['bad detector id', 'version: 1\ndetectors:\n  - id: "rule:x"\n    keywords: [a]\n', 'p.yaml:3: detectors[0].id: must match letters, digits, _ and -, starting with a letter'],
  ['duplicate detector', 'version: 1\ndetectors:\n  - { id: card, action: mask }\n  - { id: card, action: redact }\n', 'p.yaml:4: detectors[1].id: duplicate detector id "card" (first declared at p.yaml:3)'],
  ['duplicate rule', 'version: 1\nrules:\n  - { id: a, match: { groups: [g] } }\n  - { id: a, match: { groups: [h] } }\n', 'p.yaml:4: rules[1].id: duplicate rule id "a" (first defined at p.yaml:3)'],
  ['reviewers without groups', 'version: 1\nreviewers: {}\n', 'p.yaml:2: reviewers.groups: is required'],
  ['reviewers unknown key', 'version: 1\nreviewers: { groups: [r], admins: [a] }\n', 'p.yaml:2: reviewers.admins: unknown key (expected one of: groups, operators)'],
  ['empty operators', 'version: 1\nreviewers: { operators: [] }\n', 'p.yaml:2: reviewers.operators: must not be empty'],
  ['rule reviewers without groups', rule('    reviewers: {}\n'), 'p.yaml:5: rules[0].reviewers.groups: is required'],
  ['rule reviewers empty', rule('    reviewers: { groups: [] }\n'), 'p.yaml:5: rules[0].reviewers.groups: must not be empty'],
  ['alias', 'version: 1\nrules:\n  - id: a\n    match: &m { groups: [g] }\n  - id: b\n    match: *m\n', 'p.yaml:6: (yaml): aliases are not supported in policy files; repeat the value'],
  ['justification min length', rule('    justification: { minLength: 0 }\n'), 'p.yaml:5: rules[0].justification.minLength: must be an integer from 1 to 10000'],
];

describe('policy schema errors name file, line and key', () => {
  it.each(cases)('%s', (_name, text, expected) => {
    const issues = issuesOf(text);
    expect(issues.some((i) => i.startsWith(expected)), `got:\n${issues.join('\n')}`).toBe(true);
  });

  it('reports every problem in a file, not just the first', () => {
    const issues = issuesOf(rule('    connections: openai\n    maxBodyBytes: -1\n    bogus: 1\n'));
    expect(issues.map((i) => i.split(':').slice(0, 3).join(':'))).toEqual([
      'p.yaml:7: rules[0].bogus',
      'p.yaml:5: rules[0].connections',
      'p.yaml:6: rules[0].maxBodyBytes',
    ]);
  });

  it('accepts a complete rule with every kind of field', () => {
    const text = rule(
      [
        '    description: everything',
        '    connections: [openai]',
        "    models: ['gpt-4o*']",
        '    detectors: { card: mask, email: off }',
        '    restoreTokens: true',
        '    approve: [{ keywords: [export], regex: [{ pattern: "x+y", flags: i, maxLength: 10, anchors: [x] }], mode: ticket, timeoutSeconds: 30 }]',
        '    block: { tools: [shell], message: no }',
        '    justification: { required: true, minLength: 5 }',
        '    maxBodyBytes: 1000',
        '    quotas: [{ per: group, requests: 1, tokens: 2, window: 30s }]',
        '    allowJobHeader: false',
        '',
      ].join('\n'),
    );
    expect(issuesOf(text)).toEqual([]);
  });
});
