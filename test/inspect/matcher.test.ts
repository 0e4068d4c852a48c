import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Matcher, packageRoot } from '../../src/inspect/matcher.js';
import { compileProfile } from '../../src/inspect/compile.js';
import { findMatches } from '../../src/inspect/find.js';
import type { KeywordDetector } from '../../src/inspect/api.js';
import { allBuiltins, enc, keywords, scanText } from './helpers.js';

const isWord = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** Naive reference: every keyword at every position, then leftmost-longest, ties to the earlier detector. */
function reference(dets: KeywordDetector[], text: string): Array<[string, number, number]> {
  const all: Array<[number, number, number]> = [];
  dets.forEach((d, k) => {
    for (const w of d.keywords) {
      const hay = d.caseInsensitive ? text.toLowerCase() : text;
      const needle = d.caseInsensitive ? w.toLowerCase() : w;
      for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
        const e = i + w.length;
        if (isWord(w[0]) && isWord(text[i - 1])) continue;
        if (isWord(w[w.length - 1]) && isWord(text[e])) continue;
        all.push([i, e, k]);
      }
    }
  });
  all.sort((a, b) => a[0] - b[0] || b[1] - a[1] || a[2] - b[2]);
  const kept: Array<[string, number, number]> = [];
  let end = -1;
  for (const [s, e, k] of all) {
    if (s < end) continue;
    kept.push([dets[k]!.id, s, e]);
    end = e;
  }
  return kept;
}

describe('matcher vs naive reference', () => {
  const alphabet = fc.constantFrom('a', 'b', 'A', 'B', ' ', '-', '_', 'x', 'y');
  const word = fc.string({ unit: alphabet, minLength: 1, maxLength: 5 });
  test('keyword automaton (Teddy + verification) finds exactly the reference matches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ words: fc.array(word, { minLength: 1, maxLength: 4 }), ci: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        fc.string({ unit: alphabet, maxLength: 200 }),
        (specs, text) => {
          const dets: KeywordDetector[] = specs.map((s, k) => ({ id: `k${k}`, type: 't', keywords: s.words, caseInsensitive: s.ci, action: 'report' }));
          const got = scanText(keywords(dets), text).findings.map((f) => [f.detector, f.start, f.end]);
          expect(got).toEqual(reference(dets, text));
        },
      ),
      { numRuns: 400 },
    );
  });

  test('chunk-crossing text is scanned the same regardless of padding past 16-byte blocks', () => {
    const p = keywords([{ id: 'k', type: 't', keywords: ['needle'], caseInsensitive: true, action: 'report' }]);
    for (let pad = 0; pad < 40; pad++) {
      const r = scanText(p, 'x'.repeat(pad) + ' NEEDLE');
      expect(r.findings).toEqual([{ detector: 'k', type: 't', action: 'report', start: pad + 1, end: pad + 7 }]);
    }
  });
});

describe('SIMD and scalar builds agree', () => {
  const root = packageRoot();
  beforeAll(() => {
    const out = join(root, 'build', 'matcher-nosimd.wasm');
    const src = join(root, 'wasm', 'assembly');
    const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
    if (!existsSync(out) || statSync(out).mtimeMs < newest) {
      execFileSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), 'wasm/assembly/index.ts', '--target', 'nosimd'], { cwd: root });
    }
  });

  test('same matches on random text with planted values', () => {
    const simd = new Matcher('simd');
    const scalar = new Matcher('nosimd');
    const c = compileProfile(allBuiltins('report'));
    const run = (m: Matcher, bytes: Uint8Array) => {
      m.use(c.table);
      const ptr = m.loadBytes(bytes);
      return findMatches(c, m, ptr, bytes.length, false).matches;
    };
    const part = fc.oneof(
      fc.constantFrom('4242 4242 4242 4242', 'a@b.io', 'fe80::1', '10.0.0.1', 'AKIAIOSFODNN7EXAMPLE', 'password=x9y8z7', '+1 415 555 2671', '５３６-２２-８４１０'),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 10 }), (parts) => {
        const bytes = enc.encode(parts.join(' '));
        expect(run(simd, bytes)).toEqual(run(scalar, bytes));
      }),
      { numRuns: 300 },
    );
  });
});
