// Every multi-line or anchored secret split at every offset, and streamed in deltas of every small size: the
// released text equals the one-shot scan, and no fragment of the secret is ever released unmasked.
import { describe, expect, test } from 'vitest';
import { allBuiltins, scanText, streamed } from './helpers.js';
import { secretCorpus, leakedFragments, inProse } from '../fixtures/inspect/secret-corpus.js';
import { createEngine } from '../../src/inspect/engine.js';

const P = allBuiltins('redact');
const CORPUS = secretCorpus();

function deltas(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe.each(CORPUS.map((s) => [s.name, s] as const))('%s', (_name, secret) => {
  const text = inProse(secret.value);
  const oneShot = scanText(P, text);

  test('one-shot scan redacts it', () => {
    expect(oneShot.findings.map((f) => f.detector)).toContain(secret.detector);
    expect(leakedFragments(secret.core, oneShot.text)).toEqual([]);
  });

  test('split in two at every offset', () => {
    for (let i = 1; i < text.length; i++) {
      const s = streamed(P, [text.slice(0, i), text.slice(i)]);
      if (s.out !== oneShot.text) expect({ at: i, out: s.out }).toEqual({ at: i, out: oneShot.text });
    }
  });

  test('deltas of 1 to 80 characters', () => {
    for (let size = 1; size <= 80; size++) {
      const s = streamed(P, deltas(text, size));
      if (s.out !== oneShot.text) expect({ size, leaked: leakedFragments(secret.core, s.out), out: s.out }).toEqual({ size, leaked: [], out: oneShot.text });
    }
  });
});

test('a configured hold-back below the longest secret is raised to it (a short one would release a key early)', () => {
  const pem = CORPUS[0]!;
  const s = createEngine(P).createTextScanner({ holdBack: 16 });
  let out = '';
  for (const d of deltas(inProse(pem.value), 5)) out += s.push(d).out;
  out += s.end().out;
  expect(leakedFragments(pem.core, out)).toEqual([]);
});
