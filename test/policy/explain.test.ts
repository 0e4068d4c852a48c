// explain() output, the request-body reader, and the `sluice policy` CLI.
import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { policyCommand } from '../../src/policy/cli.js';
import { describeBody, explain, parsePath } from '../../src/policy/explain.js';
import { loadPolicyDir } from '../../src/policy/load.js';
import type { Policy } from '../../src/policy/types.js';
import { who } from './helpers.js';
import chat from '../fixtures/policy/chat-terraform.json' with { type: 'json' };
import messages from '../fixtures/policy/messages-plain.json' with { type: 'json' };

async function defaultPolicy(): Promise<Policy> {
  const r = await loadPolicyDir('policies');
  if (!r.ok) throw new Error('default policy must load');
  return r.policy;
}

describe('request reading', () => {
  it.each([
    ['/openai/v1/chat/completions', 'openai', 'chat.completions'],
    ['/anthropic/v1/messages?beta=true', 'anthropic', 'messages'],
    ['/openai/v1/embeddings', 'openai', 'embeddings'],
  ])('parsePath(%s)', (path, connection, route) => expect(parsePath(path)).toEqual({ connection, route }));

  it('reads model, tools and prompt text from OpenAI and Anthropic bodies', () => {
    expect(describeBody(chat)).toEqual({
      model: 'gpt-4o-mini',
      tools: ['run_shell'],
      promptText: 'You are the infra agent.\nPlan looks fine, run terraform apply on staging.',
    });
    expect(describeBody(messages)).toEqual({
      model: 'claude-sonnet-4-5',
      tools: ['search_notes'],
      promptText: 'Summarise the meeting notes.\nSummarise politely.',
    });
  });
});

describe('explain', () => {
  it('prints the decision, the rules with their location and every step', async () => {
    const policy = await defaultPolicy();
    const text = explain(policy, who('bot-7', ['agents']), chat, '/openai/v1/chat/completions');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Decision: APPROVE (hold, up to 600s) — rule agents');
    expect(lines[1]).toMatch(/^Request: {2}\/openai\/v1\/chat\/completions → connection "openai", route chat\.completions, model "gpt-4o-mini", tools \[run_shell\], \d+ bytes$/);
    expect(text).toContain('Rules:    agents (policies/default.yaml:');
    expect(text).toContain('approve condition #1 of rule agents holds: prompt contains "terraform apply"');
    const detectors = lines.slice(lines.indexOf('Detectors (known before the body is scanned):') + 1);
    expect(detectors[0]).toMatch(/^ {2}catalogue default: aws_access_key → redact, aws_secret_key → redact, /);
    expect(detectors[1]).toBe('  rule agents: card → redact, ssn → redact, iban → redact, email → mask, phone → mask');
    expect(text).toContain('detector findings were not computed here');
  });

  it.each([
    ['analysts are allowed with masking', who('ann', ['analysts']), chat, '/openai/v1/chat/completions', {}, 'Decision: ALLOW'],
    ['an unknown group is denied', who('eve', ['interns']), chat, '/openai/v1/chat/completions', {}, 'Decision: BLOCK — no policy rule allows this caller [SLUICE_FORBIDDEN]'],
    ['restricted: other model', who('rita', ['restricted']), { ...chat, model: 'gpt-4o' }, '/openai/v1/chat/completions', { justification: 'customer escalation #4411' }, 'Decision: BLOCK — model "gpt-4o" is not allowed for this caller [SLUICE_FORBIDDEN]'],
    ['restricted: no justification', who('rita', ['restricted']), chat, '/openai/v1/chat/completions', {}, 'Decision: BLOCK — a justification of at least 20 characters is required (x-sluice-justification header) [SLUICE_JUSTIFICATION_REQUIRED]'],
    ['restricted: with justification', who('rita', ['restricted']), chat, '/openai/v1/chat/completions', { justification: 'customer escalation #4411' }, 'Decision: ALLOW'],
    ['restricted: anthropic not granted', who('rita', ['restricted']), messages, '/anthropic/v1/messages', {}, 'Decision: BLOCK — no policy rule allows this caller [SLUICE_FORBIDDEN]'],
    ['streaming jobs on anthropic', who('svc', ['streaming-jobs'], 'orders-enricher'), messages, '/anthropic/v1/messages', {}, 'Decision: ALLOW'],
    ['reviewers get no model access', who('rev', ['reviewers']), messages, '/anthropic/v1/messages', {}, 'Decision: BLOCK — no policy rule allows this caller [SLUICE_FORBIDDEN]'],
  ])('default policy: %s', async (_n, identity, body, path, opts, first) => {
    const text = explain(await defaultPolicy(), identity, body, path, opts);
    expect(text.split('\n')[0]).toBe(first);
  });

  it('uses findings when the caller has them', async () => {
    const text = explain(await defaultPolicy(), who('ann', ['analysts']), messages, '/anthropic/v1/messages', {
      findings: [{ detector: 'card', type: 'card', action: 'mask', count: 2 }],
    });
    expect(text).toContain('detector card: 2 found → mask (rule analysts)');
    expect(text).not.toContain('were not computed');
  });
});

describe('sluice policy CLI', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, deps: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
  }
  const token = new UnsecuredJWT({ groups: ['agents'], azp: 'infra-graph' }).setSubject('bot-7').encode();
  const request = 'test/fixtures/policy/chat-terraform.json';

  it('check: OK for the shipped policy', async () => {
    const c = capture();
    expect(await policyCommand(['check', 'policies'], c.deps)).toBe(0);
    expect(c.out).toEqual(['policies: policy OK']);
  });

  it('check: file:line: key: message for each problem, exit 1', async () => {
    const c = capture();
    expect(await policyCommand(['check', 'test/fixtures/policy/bad'], c.deps)).toBe(1);
    expect(c.err).toEqual([
      'test/fixtures/policy/bad/policy.yaml:6:24: rules[0].detectors.card: expected one of: mask, redact, tokenize, hash, block, approve, report, off, found "scramble"',
      'test/fixtures/policy/bad/policy.yaml:8:47: rules[0].quotas[0].window: expected a duration like 30s, 1m, 1h or 1d, found "1w"',
    ]);
  });

  it('explain without an authenticator decodes the claims and says it did not verify them', async () => {
    const c = capture();
    expect(await policyCommand(['explain', '--token', token, '--request', request], c.deps)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toContain('Decision: APPROVE (hold, up to 600s) — rule agents');
    expect(text).toContain('Note:     token NOT verified (no authenticator wired): claims decoded only');
    expect(text).toContain('caller: subject "bot-7", groups [agents], job "infra-graph"');
    expect(text).not.toContain(token);
  });

  it('explain uses the injected authenticator and refuses what it refuses, without echoing the token', async () => {
    const ok = capture();
    const authenticate = async () => who('ann', ['analysts']);
    expect(await policyCommand(['explain', '--token', 'opaque', '--request', request, '--path', '/anthropic/v1/messages'], { ...ok.deps, authenticate })).toBe(0);
    expect(ok.out.join('\n')).toContain('Note:     token verified');
    expect(ok.out.join('\n').split('\n')[0]).toBe('Decision: ALLOW');

    const bad = capture();
    const refuse = async () => {
      throw new Error('token expired');
    };
    expect(await policyCommand(['explain', '--token', 'secret-token-value', '--request', request], { ...bad.deps, authenticate: refuse })).toBe(1);
    expect(bad.err).toEqual(['token refused: token expired']);
  });

  it.each([
    [['explain', '--request', 'x.json']],
    [['frobnicate']],
    [[]],
    [['check', '--bogus']],
  ])('usage errors exit 2: %j', async (argv) => {
    const c = capture();
    expect(await policyCommand(argv, c.deps)).toBe(2);
    expect(c.err.length).toBeGreaterThan(0);
  });

  it('explain refuses a request file that is not JSON', async () => {
    const c = capture();
    expect(await policyCommand(['explain', '--token', token, '--request', 'test/fixtures/policy/bad/policy.yaml'], c.deps)).toBe(1);
    expect(c.err).toEqual(['test/fixtures/policy/bad/policy.yaml: not valid JSON']);
  });
});
