import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { allBuiltins, scanText } from './helpers.js';

const fixture = (name: string): string[] =>
  readFileSync(new URL(`../fixtures/inspect/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));

const P = allBuiltins('redact');

describe('accuracy fixtures', () => {
  const positives = fixture('positives.txt').map((l) => l.split('|') as [string, string]);
  test.each(positives)('%s %j is masked in prose', (detector, value) => {
    const r = scanText(P, `Customer wrote: my value is ${value}, thanks.`);
    expect(r.findings.map((f) => f.detector)).toEqual([detector]);
    expect(r.text).not.toContain(value);
  });

  test.each(fixture('negatives.txt'))('no false positive in %j', (line) => {
    const r = scanText(P, line);
    expect(r.findings.map((f) => f.detector)).toEqual([]);
  });
});
