// The generated Unicode tables: up to date with their generator, and right on the characters the issue names.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { charClass, normalize, UNICODE_VERSION, C_DIGIT, C_IGNORE, C_SEP, C_LETTER, SEPARATOR_KINDS } from '../../src/inspect/unicode.js';
import { RANGES } from '../../src/inspect/unicode-data.js';

const ROOT = new URL('../../', import.meta.url);
const sep = (kind: (typeof SEPARATOR_KINDS)[number]) => C_SEP + SEPARATOR_KINDS.indexOf(kind);

interface Generator {
  generate(): { wasm: string; ts: string };
}

describe('generated Unicode tables', () => {
  if (process.versions.unicode === UNICODE_VERSION) {
    test(`checked-in output equals the generator's (Unicode ${UNICODE_VERSION})`, async () => {
      const gen = (await import(new URL('scripts/gen-unicode.mjs', ROOT).href)) as Generator;
      const out = gen.generate();
      expect(out.wasm === readFileSync(new URL('wasm/assembly/unicode.ts', ROOT), 'utf8'), 'wasm/assembly/unicode.ts is stale: npm run gen:unicode').toBe(true);
      expect(out.ts === readFileSync(new URL('src/inspect/unicode-data.ts', ROOT), 'utf8'), 'src/inspect/unicode-data.ts is stale: npm run gen:unicode').toBe(true);
    });
  } else {
    // Another Node carries another Unicode version: digits are stable across versions, so every digit in the
    // checked-in tables must still be a digit here (the exact comparison runs on the generating version).
    test(`tables from Unicode ${UNICODE_VERSION} agree with this Node's Unicode ${process.versions.unicode} on every digit`, () => {
      for (let r = 0; r < RANGES.length; r += 4) {
        if (RANGES[r + 2]! < C_DIGIT || RANGES[r + 2]! >= C_DIGIT + 10) continue;
        for (let cp = RANGES[r]!; cp <= RANGES[r + 1]!; cp++) {
          const ch = String.fromCodePoint(cp);
          expect(/^\p{Nd}$/u.test(ch) || /^[0-9]$/.test(ch.normalize('NFKC')), ch).toBe(true);
        }
      }
    });
  }

  test.each([
    [0x0030, C_DIGIT + 0], [0x0669, C_DIGIT + 9], [0x06f4, C_DIGIT + 4], [0x096a, C_DIGIT + 4], [0x09ef, C_DIGIT + 9],
    [0x1d7ce, C_DIGIT + 0], [0x1d7ff, C_DIGIT + 9], [0xff15, C_DIGIT + 5], [0x00b2, C_DIGIT + 2], [0x2089, C_DIGIT + 9], [0x2460, C_DIGIT + 1],
    [0x200b, C_IGNORE], [0x200e, C_IGNORE], [0x034f, C_IGNORE], [0x180e, C_IGNORE], [0x0301, C_IGNORE], [0xfe0f, C_IGNORE], [0xe0041, C_IGNORE], [0x0007, C_IGNORE],
    [0x202f, sep('space')], [0x2007, sep('space')], [0x3164, sep('space')], [0x2800, sep('space')], [0x2212, sep('dash')], [0x2014, sep('dash')],
    [0xfe58, sep('dash')], [0x00b7, sep('list')], [0x002c, sep('list')], [0x003a, sep('list')], [0x007c, sep('list')], [0x002b, sep('plus')], [0x000a, sep('break')],
    [0xff21, C_LETTER], [0x1d400, C_LETTER], [0x0000, 0], [0x0041, C_LETTER], [0x0061, 0], [0x4e00, 0],
  ])('U+%s has class %s', (cp, want) => {
    expect(charClass(cp)).toBe(want);
  });

  test('normalize: digits to ASCII, invisible characters dropped, separators to their ASCII stand-ins', () => {
    expect(normalize('٤١١١\u202f۱۱۱۱\u2212१११\u200e१·𝟏𝟏𝟏𝟏')).toBe('4111 1111-1111.1111');
    expect(normalize('ＧＢ８２ ＷＥＳＴ')).toBe('GB82 WEST');
    expect(normalize('plain ascii 42')).toBe('plain ascii 42');
  });
});
