// The broken-policy table: one test per message kind, each with the exact message at its file:line:column and key.
import { describe, expect, it } from 'vitest';
import { issuesOf } from './helpers.js';

const rule = (body: string) => `version: 1\nrules:\n  - id: r1\n    match: { groups: [g] }\n${body}`;

const cases: Array<[string, string, string]> = [
  ['yaml syntax error', 'version: 1\nrules: [\n  - id', 'p.yaml:3:3: (root): invalid YAML: Block collections are not allowed within flow collections'],
  ['duplicate yaml key', 'version: 1\nversion: 1\n', 'p.yaml:2:1: (root): invalid YAML: Map keys must be unique'],
  ['unknown top-level key', 'version: 1\nrulez: []\n', 'p.yaml:2:1: rulez: unknown key, did you mean "rules"? (expected one of: version, reviewers, detectors, rules)'],
  ['missing version', 'rules: []\n', 'p.yaml:1:1: version: is required'],
  ['wrong version', 'version: 2\n', 'p.yaml:1:10: version: expected 1 (the only policy format so far), found 2'],
  ['root not a map', '- a\n- b\n', 'p.yaml:1:1: (root): expected a mapping, found a list'],
  ['unknown rule key', rule('    conections: [openai]\n'), 'p.yaml:5:5: rules[0].conections: unknown key, did you mean "connections"? (expected one of: id, description, match, connections, models, detectors, restoreTokens, approve, block, justification, maxBodyBytes, quotas, allowJobHeader, reviewers)'],
  ['missing rule id', 'version: 1\nrules:\n  - match: { groups: [g] }\n', 'p.yaml:3:5: rules[0].id: is required'],
  ['missing match', 'version: 1\nrules:\n  - id: r1\n', 'p.yaml:3:5: rules[0].match: is required'],
  ['empty match', 'version: 1\nrules:\n  - id: r1\n    match: {}\n', 'p.yaml:4:12: rules[0].match: must name at least one of: subjects, groups, jobs (use subjects: [\'*\'] for every caller)'],
  ['bad rule id', 'version: 1\nrules:\n  - id: "has space"\n    match: { groups: [g] }\n', 'p.yaml:3:9: rules[0].id: expected a rule id (letters, digits, _ . and -), found "has space"'],
  ['not a list', rule('    connections: openai\n'), 'p.yaml:5:18: rules[0].connections: expected a list, found "openai"'],
  ['empty list', rule('    connections: []\n'), 'p.yaml:5:18: rules[0].connections: must not be empty'],
  ['empty string', rule("    connections: ['']\n"), 'p.yaml:5:19: rules[0].connections[0]: expected a non-empty string, found ""'],
  ['models without connections', rule('    models: [gpt-4o]\n'), 'p.yaml:5:13: rules[0].models: needs `connections` in the same rule (a rule grants models on its connections; use connections: [\'*\'])'],
  ['bad action', rule('    detectors: { card: scramble }\n'), 'p.yaml:5:24: rules[0].detectors.card: expected one of: mask, redact, tokenize, hash, block, approve, report, off, found "scramble"'],
  ['detectors not a map', rule('    detectors: [card]\n'), 'p.yaml:5:16: rules[0].detectors: expected a mapping, found a list'],
  ['unknown detector in rule', rule('    detectors:\n      card: mask\n      crad: mask\n'), 'p.yaml:7:7: rules[0].detectors.crad: unknown detector "crad" (not built in and not declared under detectors:)'],
  ['unknown detector in condition', rule('    approve:\n      - detectors: [nope]\n'), 'p.yaml:6:21: rules[0].approve[0].detectors[0]: unknown detector "nope" (not built in and not declared under detectors:)'],
  ['not a boolean', rule('    restoreTokens: yes\n'), 'p.yaml:5:20: rules[0].restoreTokens: expected true or false, found "yes"'],
  ['integer out of range', rule('    maxBodyBytes: 0\n'), 'p.yaml:5:19: rules[0].maxBodyBytes: expected an integer from 1 to 1073741824, found 0'],
  ['bad duration', rule('    quotas:\n      - { per: subject, requests: 5, window: 1w }\n'), 'p.yaml:6:46: rules[0].quotas[0].window: expected a duration like 30s, 1m, 1h or 1d, found "1w"'],
  ['quota without limit', rule('    quotas:\n      - { per: subject, window: 1m }\n'), 'p.yaml:6:9: rules[0].quotas[0]: needs `requests`, `tokens` or both'],
  ['quota bad per', rule('    quotas:\n      - { per: team, requests: 1, window: 1m }\n'), 'p.yaml:6:16: rules[0].quotas[0].per: expected one of: subject, job, group, found "team"'],
  ['condition without trigger', rule('    approve:\n      - mode: hold\n'), 'p.yaml:6:9: rules[0].approve[0]: needs at least one of: detectors, keywords, regex, models, tools'],
  ['bad approval mode', rule('    approve: { keywords: [x], mode: wait }\n'), 'p.yaml:5:37: rules[0].approve.mode: expected one of: hold, ticket, found "wait"'],
  ['message on approve', rule('    approve: { keywords: [x], message: hi }\n'), 'p.yaml:5:31: rules[0].approve.message: unknown key (expected one of: detectors, keywords, regex, models, tools, mode, timeoutSeconds)'],
  ['invalid condition regex', rule("    block:\n      - regex: ['(a']\n"), 'p.yaml:6:17: rules[0].block[0].regex[0]: invalid pattern: missing ): (a'],
  ['invalid detector regex', "version: 1\ndetectors:\n  - id: cust\n    pattern: '(?<=x)a'\n    maxLength: 5\n", 'p.yaml:4:14: detectors[0].pattern: invalid pattern: invalid perl operator: (?<'],
  ['bad regex flags', "version: 1\ndetectors:\n  - id: cust\n    pattern: 'a'\n    flags: g\n", 'p.yaml:5:12: detectors[0].flags: expected a combination of i, m, s, found "g"'],
  ['maxLength out of range', "version: 1\ndetectors:\n  - id: cust\n    pattern: 'a'\n    maxLength: 100000\n", 'p.yaml:5:16: detectors[0].maxLength: expected an integer from 1 to 4096, found 100000'],
  ['key not allowed for built-in', 'version: 1\ndetectors:\n  - id: card\n    pattern: x\n', 'p.yaml:4:14: detectors[0].pattern: not allowed for a built-in detector'],
  ['key not allowed for keywords', 'version: 1\ndetectors:\n  - id: kw\n    keywords: [a]\n    maxLength: 3\n', 'p.yaml:5:16: detectors[0].maxLength: not allowed for a keywords detector'],
  ['custom detector without body', 'version: 1\ndetectors:\n  - id: mine\n    action: mask\n', 'p.yaml:3:5: detectors[0]: "mine" is not a built-in detector, so it needs `pattern` (regex) or `keywords`'],
  ['bad detector id', 'version: 1\ndetectors:\n  - id: "rule:x"\n    keywords: [a]\n', 'p.yaml:3:9: detectors[0].id: expected a detector id (letters, digits, _ and -, starting with a letter), found "rule:x"'],
  ['duplicate detector', 'version: 1\ndetectors:\n  - { id: card, action: mask }\n  - { id: card, action: redact }\n', 'p.yaml:4:11: detectors[1].id: duplicate detector id "card" (first declared at p.yaml:3)'],
  ['duplicate rule', 'version: 1\nrules:\n  - { id: a, match: { groups: [g] } }\n  - { id: a, match: { groups: [h] } }\n', 'p.yaml:4:11: rules[1].id: duplicate rule id "a" (first defined at p.yaml:3)'],
  ['reviewers without groups', 'version: 1\nreviewers: {}\n', 'p.yaml:2:12: reviewers.groups: is required'],
  ['reviewers unknown key', 'version: 1\nreviewers: { groups: [r], admins: [a] }\n', 'p.yaml:2:27: reviewers.admins: unknown key (expected one of: groups, operators)'],
  ['empty operators', 'version: 1\nreviewers: { operators: [] }\n', 'p.yaml:2:25: reviewers.operators: must not be empty'],
  ['rule reviewers without groups', rule('    reviewers: {}\n'), 'p.yaml:5:16: rules[0].reviewers.groups: is required'],
  ['rule reviewers empty', rule('    reviewers: { groups: [] }\n'), 'p.yaml:5:26: rules[0].reviewers.groups: must not be empty'],
  ['alias', 'version: 1\nrules:\n  - id: a\n    match: &m { groups: [g] }\n  - id: b\n    match: *m\n', 'p.yaml:6:12: (root): invalid YAML: aliases are not supported here; repeat the value'],
  ['justification min length', rule('    justification: { minLength: 0 }\n'), 'p.yaml:5:33: rules[0].justification.minLength: expected an integer from 1 to 10000, found 0'],
];

describe('policy schema errors name file, line and key', () => {
  it.each(cases)('%s', (_name, text, expected) => {
    const issues = issuesOf(text);
    expect(issues, `got:\n${issues.join('\n')}`).toContain(expected);
  });

  it('reports every problem in a file, not just the first, sorted by line', () => {
    const issues = issuesOf(rule('    connections: openai\n    maxBodyBytes: -1\n    bogus: 1\n'));
    expect(issues.map((i) => i.split(': ').slice(0, 2).join(': '))).toEqual([
      'p.yaml:5:18: rules[0].connections',
      'p.yaml:6:19: rules[0].maxBodyBytes',
      'p.yaml:7:5: rules[0].bogus',
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
