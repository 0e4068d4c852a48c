// profileFor(): which detectors the engine runs, with which action, before the body is read.
import { describe, expect, it } from 'vitest';
import { createProfiler } from '../../src/policy/profile.js';
import { policyFrom, who } from './helpers.js';

const SECRET = 'ab'.repeat(32);
const policy = policyFrom(`
version: 1
detectors:
  - { id: aws_access_key, action: redact }
  - { id: cust, type: customer_id, pattern: 'CUST-[0-9]{6}', flags: i, maxLength: 11, anchors: ['CUST-'], action: tokenize }
  - { id: codenames, keywords: [bluebird], caseInsensitive: false, wholeWord: true }
rules:
  - id: analysts
    match: { groups: [analysts] }
    connections: [openai]
    detectors: { card: mask, codenames: report, aws_access_key: off }
  - id: also-analysts
    match: { groups: [analysts, data] }
    connections: [openai]
  - id: agents
    match: { groups: [agents] }
    connections: [openai]
    approve:
      - keywords: [export]
      - keywords: [deploy]
        tools: [kubectl]
      - detectors: [iban]
    block:
      - regex: ['rm\\s+-rf', { pattern: 'DROP\\s+TABLE', flags: i, maxLength: 40 }]
`);

describe('profileFor', () => {
  const { profileFor } = createProfiler({ secret: SECRET });

  it('combines catalogue defaults and rule actions', () => {
    const p = profileFor(policy, who('a', ['analysts']), 'openai');
    expect(p.builtins).toEqual([{ id: 'card', action: 'mask' }]);
    expect(p.custom).toEqual([{ id: 'cust', type: 'customer_id', pattern: 'CUST-[0-9]{6}', flags: 'i', maxLength: 11, anchors: ['CUST-'], action: 'tokenize' }]);
    expect(p.keywords).toEqual([{ id: 'codenames', type: 'codenames', keywords: ['bluebird'], caseInsensitive: false, wholeWord: true, action: 'report' }]);
    expect(p.secret).toBe(SECRET);
  });

  it('turns keyword and regex conditions into detectors; approve/block only when the finding alone suffices', () => {
    const p = profileFor(policy, who('g', ['agents']), 'openai');
    expect(p.keywords.filter((k) => k.id.startsWith('rule:'))).toEqual([
      { id: 'rule:agents:approve:0:keywords', type: 'policy_keyword', keywords: ['export'], caseInsensitive: true, action: 'approve' },
      { id: 'rule:agents:approve:1:keywords', type: 'policy_keyword', keywords: ['deploy'], caseInsensitive: true, action: 'report' },
    ]);
    expect(p.custom.filter((c) => c.id.startsWith('rule:'))).toEqual([
      { id: 'rule:agents:block:0:regex:0', type: 'policy_pattern', pattern: 'rm\\s+-rf', maxLength: 256, action: 'report' },
      { id: 'rule:agents:block:0:regex:1', type: 'policy_pattern', pattern: 'DROP\\s+TABLE', flags: 'i', maxLength: 40, action: 'report' },
    ]);
  });

  it('switches on, as report, detectors a condition needs', () => {
    const p = profileFor(policy, who('g', ['agents']), 'openai');
    expect(p.builtins).toContainEqual({ id: 'iban', action: 'report' });
    expect(p.builtins).toContainEqual({ id: 'aws_access_key', action: 'redact' });
  });

  it('caches per applicable rule set and shares a key for equal content', () => {
    const a = profileFor(policy, who('a', ['analysts']), 'openai');
    expect(profileFor(policy, who('b', ['analysts', 'data']), 'openai')).toBe(a);
    const data = profileFor(policy, who('c', ['data']), 'openai');
    expect(data).not.toBe(a);
    expect(data.key).not.toBe(a.key);
    // Different rule sets, same content (catalogue defaults only): same key, so workers share the engine.
    const none = profileFor(policy, undefined, 'openai');
    expect(none).not.toBe(data);
    expect(none.key).toBe(data.key);
  });

  it('keys do not depend on the secret', () => {
    const other = createProfiler({ secret: 'cd'.repeat(32) }).profileFor(policy, who('a', ['analysts']), 'openai');
    expect(other.key).toBe(profileFor(policy, who('a', ['analysts']), 'openai').key);
    expect(other.key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('an unknown caller or connection gets only the catalogue defaults', () => {
    for (const p of [profileFor(policy, undefined, 'openai'), profileFor(policy, who('a', ['analysts']), 'anthropic')]) {
      expect(p.builtins).toEqual([{ id: 'aws_access_key', action: 'redact' }]);
      expect(p.keywords).toEqual([]);
    }
  });

  it('refuses a weak secret', () => {
    expect(() => createProfiler({ secret: 'short' })).toThrow(/at least 16 bytes of hex/);
  });

  it('remembers a caller\'s profile per policy, and no spelling of subject, job or groups borrows another caller\'s', () => {
    const { profileFor: fresh } = createProfiler({ secret: SECRET });
    const analyst = fresh(policy, who('a', ['analysts']), 'openai');
    expect(fresh(policy, who('a', ['analysts']), 'openai')).toBe(analyst);
    // Joined with separators these would read alike; each must get the profile of its own rules.
    const agent = fresh(policy, who('a', ['agents', 'x']), 'openai');
    expect(agent.key).not.toBe(analyst.key);
    expect(fresh(policy, who('a', ['analysts\u0000agents']), 'openai').builtins).not.toEqual(analyst.builtins);
    expect(fresh(policy, who('a', ['agents']), 'openai').key).toBe(fresh(policy, who('b', ['agents']), 'openai').key);
    expect(fresh(policy, who('a', ['analysts']), 'other').key).not.toBe(analyst.key);
    // A reloaded policy is another object: its callers' profiles are computed from it.
    const reloaded = policyFrom(`
version: 1
rules:
  - id: analysts
    match: { groups: [analysts] }
    connections: [openai]
    detectors: { card: redact }
`);
    expect(fresh(reloaded, who('a', ['analysts']), 'openai').builtins).toContainEqual({ id: 'card', action: 'redact' });
  });

  it('profiles survive structured cloning (they are sent to workers)', () => {
    const p = profileFor(policy, who('g', ['agents']), 'openai');
    expect(structuredClone(p)).toEqual(p);
  });
});
