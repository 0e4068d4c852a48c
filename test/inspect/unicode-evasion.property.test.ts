// Unicode evasions, generated from the Unicode tables (not from a hand list): a card, SSN, IBAN or phone number
// written with digits of any script (mixed per digit), any separator its shape accepts and invisible characters
// anywhere inside is masked — in a plain-text request, in a JSON request written with \u escapes, and in a
// streamed response cut anywhere. The masked text stays well-formed and keeps no orphaned combining marks.
// Look-alikes (prices, timestamps, order numbers) in the same scripts pass byte-identical.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { RANGES } from '../../src/inspect/unicode-data.js';
import { charClass, normalize, C_DIGIT, C_IGNORE, C_SEP, C_LETTER, SEPARATOR_KINDS } from '../../src/inspect/unicode.js';
import { allBuiltins, scanJson, scanText, streamed } from './helpers.js';

const P = allBuiltins('mask');
type Kind = (typeof SEPARATOR_KINDS)[number];

// ---- the classes -----------------------------------------------------------------------------------------------
const members = new Map<number, number[]>();
for (let r = 0; r < RANGES.length; r += 4) {
  for (let cp = RANGES[r]!; cp <= RANGES[r + 1]!; cp++) {
    const c = charClass(cp);
    if (!members.has(c)) members.set(c, []);
    members.get(c)!.push(cp);
  }
}
const of = (c: number): number[] => members.get(c) ?? [];
const DIGITS = Array.from({ length: 10 }, (_, v) => of(C_DIGIT + v));
const ZEROS = of(C_DIGIT).filter((cp) => /^\p{Nd}$/u.test(String.fromCodePoint(cp)));
const IGNORABLE = of(C_IGNORE);
const SEPS = (kind: Kind): number[] => of(C_SEP + SEPARATOR_KINDS.indexOf(kind));
const CAPITALS = Array.from({ length: 26 }, (_, l) => of(C_LETTER + l));
const ch = (cp: number): string => String.fromCodePoint(cp);

// ---- values and what each shape accepts between its groups -------------------------------------------------------
interface Shape {
  detector: string;
  values: string[][]; // groups of ASCII digits/letters
  kinds: Kind[];
  plus?: boolean;
}
const SHAPES: Shape[] = [
  {
    detector: 'card',
    values: [['4111', '1111', '1111', '1111'], ['5500', '0000', '0000', '0004'], ['6011', '0009', '9013', '9424'], ['3714', '496353', '98431']],
    kinds: ['space', 'dash', 'dot', 'slash', 'underscore', 'list', 'plus', 'break'],
  },
  { detector: 'ssn', values: [['536', '22', '8410'], ['078', '05', '1121'], ['123', '45', '6789']], kinds: ['space', 'dash'] },
  { detector: 'iban', values: [['GB82', 'WEST', '1234', '5698', '7654', '32'], ['DE89', '3704', '0044', '0532', '0130', '00']], kinds: ['space', 'dash', 'break'] },
  { detector: 'phone', values: [['1', '415', '555', '2671'], ['44', '20', '7946', '0958']], kinds: ['space', 'dash', 'dot'], plus: true },
];

const digitOf = (v: number) => fc.constantFrom(...DIGITS[v]!).map(ch);
const ignorable = fc.constantFrom(...IGNORABLE).map(ch);
/** 0-2 invisible characters (often none). */
const invisibles = fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.array(ignorable, { minLength: 1, maxLength: 2 }).map((a) => a.join('')) });

function separatorFor(kinds: Kind[]) {
  const single = fc.constantFrom(...kinds.flatMap(SEPS)).map(ch);
  const spaced = fc.tuple(fc.constantFrom(...SEPS('space')), fc.constantFrom(...SEPS('dash'))).map(([s, d]) => `${ch(s)}${ch(d)}${ch(s)}`);
  const indented = fc.constantFrom('\n    ', '\r\n\t', '\n\u00a0\u00a0');
  const options = [single];
  if (kinds.includes('dash')) options.push(spaced);
  if (kinds.includes('break')) options.push(indented);
  return fc.oneof(...options);
}

/** A value of `shape` written with random digits, separators and invisible characters. */
function written(shape: Shape) {
  return fc
    .constantFrom(...shape.values)
    .chain((groups) => {
      const chars = groups.join('');
      return fc.tuple(
        fc.constant(groups),
        fc.tuple(...[...chars].map((c) => (/[0-9]/.test(c) ? digitOf(Number(c)) : fc.constantFrom(c, ...CAPITALS[c.charCodeAt(0) - 65]!.map(ch))))),
        fc.array(separatorFor(shape.kinds), { minLength: groups.length - 1, maxLength: groups.length - 1 }),
        fc.array(invisibles, { minLength: chars.length, maxLength: chars.length }),
      );
    })
    .map(([groups, glyphs, seps, inv]) => {
      let out = shape.plus ? '+' : '';
      let i = 0;
      groups.forEach((g, gi) => {
        if (gi > 0) out += seps[gi - 1];
        for (let k = 0; k < g.length; k++, i++) out += glyphs[i]! + inv[i]!;
      });
      return { value: out, canonical: groups.join('') };
    });
}

// ---- checks ------------------------------------------------------------------------------------------------------
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const alnum = (s: string): string => normalize(s).replace(/[^0-9A-Za-z]/g, '');
/**
 * Masked, well-formed, and no invisible character left behind: the contexts around the value have none, so one in
 * the output would be a combining mark (or joiner) cut off from the digit it belonged to.
 */
function expectMasked(out: string, canonical: string, input: string): void {
  expect(alnum(out), `${JSON.stringify(input)} → ${JSON.stringify(out)}`).not.toContain(canonical);
  expect(LONE_SURROGATE.test(out), 'split surrogate pair').toBe(false);
  const orphans = [...out].filter((c) => charClass(c.codePointAt(0)!) === C_IGNORE);
  expect(orphans, `left behind in ${JSON.stringify(out)}`).toEqual([]);
}

function escapeJson(text: string, mask: boolean[]): string {
  let out = '';
  let i = 0;
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    const esc = (u: number) => `\\u${u.toString(16).padStart(4, '0')}`;
    if (cp > 0xffff) out += esc(0xd800 + ((cp - 0x10000) >> 10)) + esc(0xdc00 + ((cp - 0x10000) & 0x3ff));
    else if (cp < 0x20 || c === '"' || c === '\\' || mask[i % mask.length]) out += esc(cp);
    else out += c;
    i++;
  }
  return out;
}

const PREFIX = ['Please use ', 'Kart: ', 'رقم البطاقة ', '', '番号：'];
const SUFFIX = [' for the order.', '.', ' 谢谢', '', ' — thanks'];

function cutAt(text: string, cuts: number[]): string[] {
  const units = [...text];
  const pts = [...new Set(cuts.map((c) => c % (units.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of pts) {
    out.push(units.slice(from, p).join(''));
    from = p;
  }
  out.push(units.slice(from).join(''));
  return out;
}

describe.each(SHAPES.map((s) => [s.detector, s] as const))('%s in every digit script × separator × invisible character', (_name, shape) => {
  const context = fc.tuple(fc.constantFrom(...PREFIX), fc.constantFrom(...SUFFIX));

  test('plain-text request', () => {
    fc.assert(
      fc.property(written(shape), context, ({ value, canonical }, [pre, post]) => {
        const r = scanText(P, `${pre}${value}${post}`);
        expect(r.findings.map((f) => f.detector)).toContain(shape.detector);
        expectMasked(r.text, canonical, value);
      }),
      { numRuns: 400 },
    );
  });

  test('JSON request with \\u escapes', () => {
    fc.assert(
      fc.property(written(shape), context, fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }), ({ value, canonical }, [pre, post], mask) => {
        const body = `{"model":"m","messages":[{"role":"user","content":"${escapeJson(`${pre}${value}${post}`, mask)}"}]}`;
        const r = scanJson(P, body);
        expect(r.meta.validJson).toBe(true);
        expectMasked(JSON.parse(r.text).messages[0].content as string, canonical, value);
      }),
      { numRuns: 300 },
    );
  });

  test('streamed response cut anywhere', () => {
    fc.assert(
      fc.property(written(shape), context, fc.array(fc.nat(80), { maxLength: 6 }), ({ value, canonical }, [pre, post], cuts) => {
        const text = `${pre}${value}${post}`;
        const s = streamed(P, cutAt(text, cuts));
        expect(s.out).toBe(scanText(P, text).text);
        expectMasked(s.out, canonical, value);
      }),
      { numRuns: 300 },
    );
  });
});

test('every decimal digit set on its own masks a card, SSN, IBAN and phone (exhaustive)', () => {
  expect(ZEROS.length).toBeGreaterThan(60);
  for (const zero of ZEROS) {
    for (const shape of SHAPES) {
      const groups = shape.values[0]!;
      const value = (shape.plus ? '+' : '') + groups.map((g) => g.replace(/[0-9]/g, (d) => ch(zero + Number(d)))).join(' ');
      expectMasked(scanText(P, `x ${value} y`).text, groups.join(''), value);
    }
  }
});

// ---- look-alikes ------------------------------------------------------------------------------------------------
const LOOKALIKES = [
  '1,234.56', '12 345,67', '$1,234,567.89', '€ 99.90', '2024-01-15 13:45:12', '2024-01-15T13:45:12Z', '15/01/2024', '13:45:07.123',
  '#4111111111111112', 'ORD-20240115-0042', 'INV 123456789012', 'order 1234 5678 9012 3455', 'v2.14.3', '3 x 4 = 12', '98.6°F', '+5 points',
];

test('look-alikes in every digit script pass byte-identical (request, JSON, stream)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...LOOKALIKES), fc.constantFrom(...ZEROS), fc.array(fc.nat(40), { maxLength: 4 }), (sample, zero, cuts) => {
      const text = `Total: ${sample.replace(/[0-9]/g, (d) => ch(zero + Number(d)))} — see attached.`;
      const r = scanText(P, text);
      expect(r.findings).toEqual([]);
      expect(r.text).toBe(text);
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: text }] });
      expect(scanJson(P, body).text).toBe(body);
      expect(streamed(P, cutAt(text, cuts)).out).toBe(text);
    }),
    { numRuns: 500 },
  );
});
