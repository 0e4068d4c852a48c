// evaluate(): every rule kind and every precedence case, on small inline policies.
import { describe, expect, it } from 'vitest';
import { evaluate, NO_RULE_REASON } from '../../src/policy/evaluate.js';
import { jobHeaderAllowed } from '../../src/policy/match.js';
import { found, policyFrom, req, who } from './helpers.js';

const base = policyFrom(`
version: 1
detectors:
  - { id: aws_access_key, action: redact }
rules:
  - id: analysts
    match: { groups: [analysts] }
    connections: [openai, anthropic]
    models: ['gpt-4o*', 'claude-*']
    detectors: { card: mask, email: mask }
  - id: anthropic-only
    match: { groups: [writers] }
    connections: [anthropic]
  - id: everyone-secrets
    match: { subjects: ['*'] }
    detectors: { private_key: block }
  - id: batch
    match: { groups: [batch], jobs: ['etl-*'] }
    connections: [openai]
`);

describe('access: default deny, connections and models', () => {
  const noWildcard = policyFrom('version: 1\nrules:\n  - { id: only, match: { groups: [analysts] }, connections: [openai] }\n');
  it.each([
    ['unknown identity', base, undefined, req(), 'caller is unknown'],
    ['identity with empty subject', base, who('', ['analysts']), req(), 'caller is unknown'],
    ['no rule matches', noWildcard, who('zed', ['nobody']), req(), 'no rule matches this caller on connection "openai"'],
    ['only modifier rules match (no grant)', base, who('zed', ['nobody']), req(), 'none of them grants connection "openai"'],
    ['connection not granted', base, who('wanda', ['writers']), req({ connection: 'openai' }), 'none of them grants'],
    ['group matches but job does not', base, who('bob', ['batch'], 'adhoc'), req(), 'none of them grants'],
    ['jobs constraint needs a job', base, who('bob', ['batch']), req(), 'none of them grants'],
  ])('%s → block', (_n, policy, identity, meta, step) => {
    const d = evaluate(policy, identity, meta, []);
    expect(d).toMatchObject({ outcome: 'block', reason: NO_RULE_REASON, code: 'SLUICE_FORBIDDEN', rules: [] });
    expect(d.explanation.some((s) => s.startsWith(step)), d.explanation.join('\n')).toBe(true);
  });

  it('a model outside every granting rule is refused, naming the model', () => {
    const d = evaluate(base, who('ann', ['analysts']), req({ model: 'o3' }), []);
    expect(d).toMatchObject({ outcome: 'block', code: 'SLUICE_FORBIDDEN', reason: 'model "o3" is not allowed for this caller' });
  });

  it('a body route without a readable model is refused when every grant lists models', () => {
    const d = evaluate(base, who('ann', ['analysts']), req({ model: undefined, modelExpected: true }), []);
    expect(d).toMatchObject({ outcome: 'block', code: 'SLUICE_FORBIDDEN' });
    expect(d.reason).toContain('names no model');
    // A grant without a model list still allows it.
    expect(evaluate(base, who('wanda', ['writers']), req({ connection: 'anthropic', model: undefined, modelExpected: true }), []).outcome).toBe('allow');
  });

  it.each([
    ['glob model', who('ann', ['analysts']), req({ model: 'gpt-4o-mini' }), ['analysts']],
    ['no model on a route without a body (model list)', who('ann', ['analysts']), req({ route: 'models.list', model: undefined }), ['analysts']],
    ['rule without models grants any model', who('wanda', ['writers']), req({ connection: 'anthropic', model: 'anything' }), ['anthropic-only']],
    ['group AND job', who('bob', ['batch'], 'etl-orders'), req({ model: 'x' }), ['batch']],
    ['grants add up across groups', who('wanda', ['writers', 'analysts']), req({ connection: 'anthropic', model: 'mistral' }), ['anthropic-only']],
  ])('%s → allow', (_n, identity, meta, grants) => {
    const d = evaluate(base, identity, meta, []);
    expect(d.outcome).toBe('allow');
    expect(d.rules.slice(0, grants.length)).toEqual(grants);
  });

  it('lists the applicable rules most specific first', () => {
    const d = evaluate(base, who('ann', ['analysts']), req(), []);
    expect(d.matchedRules).toEqual(['analysts', 'everyone-secrets']);
    expect(d.explanation.at(-1)).toBe('→ allow');
  });
});

const content = policyFrom(`
version: 1
rules:
  - id: agents
    match: { groups: [agents] }
    connections: [openai]
    detectors: { card: redact, ssn: approve, iban: block }
    approve:
      - keywords: [export, terraform apply]
        mode: ticket
        timeoutSeconds: 60
      - tools: ['shell_*']
      - models: [gpt-4o]
      - detectors: [email]
      - keywords: [deploy]
        tools: [kubectl]
    block:
      - regex: ['rm\\s+-rf']
        message: No destructive commands.
      - keywords: [DROP TABLE]
`);
const agent = who('a1', ['agents']);
const kw = (rule: string, kind: string, i: number, suffix = 'keywords') => found(`rule:${rule}:${kind}:${i}:${suffix}`, 'report');

describe('approve and block conditions', () => {
  it.each([
    ['keyword finding', req(), [kw('agents', 'approve', 0)], { mode: 'ticket', timeoutSeconds: 60 }],
    ['keyword in prompt text', req({ promptText: 'please Terraform Apply now' }), [], { mode: 'ticket', timeoutSeconds: 60 }],
    ['tool glob', req({ tools: ['shell_exec'] }), [], { mode: 'hold', timeoutSeconds: 600 }],
    ['model', req({ model: 'gpt-4o' }), [], { mode: 'hold' }],
    ['detector finding', req(), [found('email', 'report', 2)], { mode: 'hold' }],
    ['all kinds of a condition hold', req({ tools: ['kubectl'], promptText: 'deploy it' }), [], { mode: 'hold' }],
    ['detector action approve', req(), [found('ssn', 'approve')], { mode: 'hold', timeoutSeconds: 600 }],
  ])('%s → approve', (_n, meta, findings, approval) => {
    const d = evaluate(content, agent, meta, findings);
    expect(d.outcome).toBe('approve');
    expect(d.approval).toMatchObject({ rule: 'agents', ...approval });
    expect(d.approvalMode).toBe(d.approval?.mode);
  });

  it.each([
    ['keyword is part of a longer word', req({ promptText: 'exporter settings' })],
    ['only one kind of a two-kind condition holds', req({ tools: ['kubectl'], promptText: 'hello' })],
    ['tool outside the glob', req({ tools: ['python'] })],
    ['finding with zero count', req()],
  ])('%s → allow', (_n, meta) => {
    const d = evaluate(content, agent, meta, [found('email', 'report', 0)]);
    expect(d.outcome).toBe('allow');
  });

  it('a block condition with a message answers with that message', () => {
    const d = evaluate(content, agent, req(), [kw('agents', 'block', 0, 'regex:0')]);
    expect(d).toMatchObject({ outcome: 'block', code: 'SLUICE_POLICY_BLOCKED', reason: 'No destructive commands.', rules: ['agents'] });
  });

  it('a block condition without a message names the rule, not the data', () => {
    const d = evaluate(content, agent, req({ promptText: 'then drop table users;' }), []);
    expect(d).toMatchObject({ outcome: 'block', reason: 'blocked by policy rule agents' });
    expect(d.reason).not.toContain('users');
  });

  it('regex conditions are checked on prompt text too', () => {
    expect(evaluate(content, agent, req({ promptText: 'rm   -rf /' }), []).outcome).toBe('block');
  });

  it('a detector with action block blocks, naming rule and detector', () => {
    const d = evaluate(content, agent, req(), [found('iban', 'block')]);
    expect(d).toMatchObject({ outcome: 'block', code: 'SLUICE_POLICY_BLOCKED', reason: 'blocked by policy rule agents (iban detected)' });
  });

  it('deny beats approve', () => {
    const d = evaluate(content, agent, req({ promptText: 'export then DROP TABLE x' }), []);
    expect(d.outcome).toBe('block');
    expect(d.explanation.some((s) => s.startsWith('approve condition #1 of rule agents holds'))).toBe(true);
  });

  it('a stale profile cannot loosen: the finding’s stricter action is kept', () => {
    const d = evaluate(content, agent, req(), [found('card', 'block')]);
    expect(d.outcome).toBe('block');
  });

  it('rewriting actions only allow', () => {
    const d = evaluate(content, agent, req(), [found('card', 'redact', 3)]);
    expect(d.outcome).toBe('allow');
    expect(d.explanation).toContain('detector card: 3 found → redact (rule agents)');
  });
});

const layered = policyFrom(`
version: 1
rules:
  - id: all
    match: { subjects: ['*'] }
    connections: ['*']
    detectors: { card: block, email: mask }
    restoreTokens: true
  - id: group-a
    match: { groups: [a] }
    detectors: { card: mask, phone: mask }
  - id: group-b
    match: { groups: [b] }
    detectors: { phone: block }
    restoreTokens: false
  - id: job-x
    match: { jobs: [x] }
    detectors: { card: approve, email: off }
  - id: alice
    match: { subjects: [alice] }
    detectors: { card: report }
    restoreTokens: true
`);

describe('detector precedence: most specific wins, ties go to the strictest', () => {
  it.each([
    ['wildcard only', who('z', []), 'card', 'block'],
    ['group beats wildcard', who('z', ['a']), 'card', 'mask'],
    ['job beats group', who('z', ['a'], 'x'), 'card', 'approve'],
    ['subject beats job', who('alice', ['a'], 'x'), 'card', 'report'],
    ['tie between groups → strictest', who('z', ['a', 'b']), 'phone', 'block'],
  ])('%s: %s → %s', (_n, identity, detector, action) => {
    const d = evaluate(layered, identity, req(), [found(detector, 'report')]);
    expect(d.explanation.find((s) => s.startsWith(`detector ${detector}:`))).toContain(`→ ${action} `);
  });

  it('off at a more specific level switches a detector off', () => {
    const d = evaluate(layered, who('z', [], 'x'), req(), [found('email', 'report')]);
    expect(d.explanation).toContain('detector email: 1 found → report (as applied by inspection)');
  });

  it.each([
    ['wildcard says true', who('z', []), true],
    ['more specific false wins', who('z', ['b']), false],
    ['subject true beats group false', who('alice', ['b']), true],
  ])('restoreTokens: %s', (_n, identity, expected) => {
    expect(evaluate(layered, identity, req(), []).restoreTokens).toBe(expected);
  });
});

const limits = policyFrom(`
version: 1
rules:
  - id: base
    match: { groups: [g] }
    connections: [openai]
    maxBodyBytes: 1000
    justification: { minLength: 5 }
    quotas:
      - { per: subject, requests: 10, window: 1m }
      - { per: job, tokens: 500, window: 1h }
  - id: tight
    match: { groups: [tight] }
    maxBodyBytes: 100
    justification: { required: true, minLength: 20 }
    quotas: [{ per: group, requests: 3, window: 1d }]
    block: [{ keywords: [forbidden] }]
  - id: lax
    match: { groups: [lax] }
    justification: { required: false, minLength: 50 }
    allowJobHeader: true
`);

describe('justification, body size, quotas, job header', () => {
  it.each([
    ['missing', undefined, 'block'],
    ['too short after trimming', '   abc   ', 'block'],
    ['long enough', 'quarterly report', 'allow'],
  ])('justification %s → %s', (_n, justification, outcome) => {
    const d = evaluate(limits, who('u', ['g']), req({ ...(justification ? { justification } : {}) }), []);
    expect(d.outcome).toBe(outcome);
    expect(d.justification).toEqual({ required: true, minLength: 5 });
    if (outcome === 'block') expect(d).toMatchObject({ code: 'SLUICE_JUSTIFICATION_REQUIRED', rules: ['base'] });
  });

  it('the longest required justification wins; a non-required one adds nothing', () => {
    const d = evaluate(limits, who('u', ['g', 'tight', 'lax']), req({ justification: 'twelve chars', bodyBytes: 10 }), []);
    expect(d).toMatchObject({ outcome: 'block', code: 'SLUICE_JUSTIFICATION_REQUIRED', justification: { required: true, minLength: 20 } });
  });

  it('the smallest body limit wins', () => {
    const d = evaluate(limits, who('u', ['g', 'tight']), req({ bodyBytes: 101, justification: 'x'.repeat(30) }), []);
    expect(d).toMatchObject({ outcome: 'block', code: 'SLUICE_BODY_TOO_LARGE', maxBodyBytes: 100, rules: ['tight'] });
  });

  it('body size is refused before a block condition, a block before a missing justification', () => {
    const who2 = who('u', ['g', 'tight']);
    expect(evaluate(limits, who2, req({ bodyBytes: 5000, promptText: 'forbidden' }), []).code).toBe('SLUICE_BODY_TOO_LARGE');
    expect(evaluate(limits, who2, req({ bodyBytes: 10, promptText: 'forbidden' }), []).code).toBe('SLUICE_POLICY_BLOCKED');
  });

  it('quotas are bound per subject, job and group', () => {
    const d = evaluate(limits, who('u', ['g', 'tight', 'other'], 'j1'), req({ bodyBytes: 1, justification: 'x'.repeat(30) }), []);
    expect(d.quotas.map((q) => q.key)).toEqual(['base|subject:u|1m', 'base|job:j1|1h', 'tight|group:tight|1d']);
  });

  it('a per-job quota without a job counts the subject', () => {
    const d = evaluate(limits, who('u', ['g']), req({ justification: 'enough' }), []);
    expect(d.quotas.map((q) => q.subject)).toEqual(['subject:u', 'subject:u']);
  });

  it.each([
    ['allowed by a matching rule', who('u', ['lax']), 'hdr-job', 'hdr-job'],
    ['not allowed for this caller', who('u', ['g']), 'hdr-job', undefined],
    ['the token job wins', who('u', ['lax'], 'token-job'), 'hdr-job', 'token-job'],
  ])('job header %s', (_n, identity, jobHeader, expected) => {
    const d = evaluate(limits, identity, req({ jobHeader, justification: 'x'.repeat(60) }), []);
    expect(d.identity?.job).toBe(expected);
  });

  it('a rule restricted to other connections does not apply', () => {
    const p = policyFrom(`
version: 1
rules:
  - { id: grant, match: { groups: [g] }, connections: [openai, anthropic] }
  - { id: anthropic-limit, match: { groups: [g] }, connections: [anthropic], maxBodyBytes: 10 }
`);
    expect(evaluate(p, who('u', ['g']), req({ bodyBytes: 50 }), []).outcome).toBe('allow');
    expect(evaluate(p, who('u', ['g']), req({ connection: 'anthropic', bodyBytes: 50 }), []).code).toBe('SLUICE_BODY_TOO_LARGE');
  });
});

describe('jobHeaderAllowed', () => {
  it.each([
    ['a rule matching the caller allows it', who('u', ['lax']), true],
    ['no matching rule allows it', who('u', ['g']), false],
    ['the token already names a job', who('u', ['lax'], 'j'), false],
  ])('%s', (_n, identity, expected) => expect(jobHeaderAllowed(limits, identity)).toBe(expected));
});
