// Glob matching (against a RegExp reference) and keyword matching on prompt text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, isWildcard } from '../../src/policy/glob.js';
import { containsKeyword } from '../../src/policy/conditions.js';

describe('globMatch', () => {
  it.each([
    ['gpt-4o*', 'gpt-4o-mini', true],
    ['gpt-4o*', 'gpt-4', false],
    ['*', '', true],
    ['claude-?-sonnet', 'claude-3-sonnet', true],
    ['claude-?-sonnet', 'claude-35-sonnet', false],
    ['*-jobs', 'streaming-jobs', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXcYYb', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['a.b', 'aXb', false],
  ])('%s ~ %s → %s', (pattern, text, expected) => expect(globMatch(pattern, text)).toBe(expected));

  it('agrees with a RegExp reference', () => {
    const alphabet = fc.constantFrom('a', 'b', '-', '.');
    const reference = (p: string) =>
      new RegExp(`^${[...p].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.\-]/, '\\$&'))).join('')}$`, 's');
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(alphabet, fc.constantFrom('*', '?')), maxLength: 8 }), fc.string({ unit: alphabet, maxLength: 10 }), (p, t) => {
        expect(globMatch(p, t)).toBe(reference(p).test(t));
      }),
      { numRuns: 500 },
    );
  });

  it.each([[['*'], true], [['**'], true], [['*', 'g'], false], [['g*'], false]])('isWildcard(%j) → %s', (list, expected) =>
    expect(isWildcard(list)).toBe(expected));
});

describe('containsKeyword', () => {
  it.each([
    ['please export the table', 'export', true],
    ['EXPORT now', 'export', true],
    ['exporter config', 'export', false],
    ['re-export it', 'export', true],
    ['run terraform  apply', 'terraform apply', false],
    ['copy to s3://bucket/key', 's3://', true],
    ['xs3://bucket', 's3://', false],
    ['DROP TABLE users', 'drop table', true],
  ])('%s ∋ %s → %s', (text, kw, expected) => expect(containsKeyword(text, kw)).toBe(expected));
});
