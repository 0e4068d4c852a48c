// Planted card numbers hidden with JSON escapes, separators and evasion characters, anywhere in a JSON body:
// after masking, no Luhn-valid card survives in the decoded document, and the body is still valid JSON.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inspectBody } from '../../src/inspect/engine.js';
import { defaultProfile } from '../../src/inspect/profile.js';

const profile = defaultProfile('cd'.repeat(32));
const CARDS = ['4111111111111111', '5500000000000004', '340000000000009', '6011000000000004', '4242424242424242'];

const sep = fc.constantFrom('', ' ', '-', '\u00a0', '\u2010', '\u200b', '\u00ad');
const digitForm = fc.constantFrom<(d: string) => string>(
  (d) => d,
  (d) => `\\u003${d}`, // JSON escape of an ASCII digit
  (d) => String.fromCharCode(0xff10 + Number(d)), // full-width digit
);

function disguise(card: string, seps: string[], forms: Array<(d: string) => string>): string {
  // Groups of four (or 4-6-5 for Amex-length numbers) joined by the chosen separators.
  const groups = card.length === 15 ? [card.slice(0, 4), card.slice(4, 10), card.slice(10)] : card.match(/.{1,4}/g)!;
  return groups.map((g, gi) => [...g].map((d, i) => forms[(gi * 4 + i) % forms.length](d)).join('') + (gi < groups.length - 1 ? seps[gi % seps.length] : '')).join('');
}

function luhn(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let x = Number(d[d.length - 1 - i]);
    if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
    sum += x;
  }
  return sum % 10 === 0;
}

const fullwidthToAscii = (s: string) => s.replace(/[\uff10-\uff19]/g, (c) => String(c.charCodeAt(0) - 0xff10));

describe('JSON escape and evasion fuzz', () => {
  it('never lets a planted card through, whatever the disguise and position', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CARDS),
        fc.array(sep, { minLength: 1, maxLength: 3 }),
        fc.array(digitForm, { minLength: 1, maxLength: 3 }),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        fc.constantFrom('content', 'arguments', 'text'),
        fc.boolean(),
        (card, seps, forms, before, after, field, nested) => {
          const hidden = disguise(card, seps, forms);
          const value = `${JSON.stringify(before).slice(1, -1)} ${hidden} ${JSON.stringify(after).slice(1, -1)}`;
          const doc = nested ? `{"model":"m","messages":[{"role":"user","${field}":"${value}"}]}` : `{"${field}":"${value}"}`;
          JSON.parse(doc); // the generator only produces valid JSON
          const out = new TextDecoder().decode(inspectBody({ body: new TextEncoder().encode(doc), contentType: 'json', profile, session: 's' }).body);
          const decoded = fullwidthToAscii(JSON.stringify(JSON.parse(out)));
          for (const run of decoded.replace(/[\s\u00a0\u2010\u200b\u00ad-]/g, '').match(/\d{13,19}/g) ?? []) {
            for (let len = 13; len <= 19; len++) {
              for (let i = 0; i + len <= run.length; i++) {
                const cand = run.slice(i, i + len);
                if (CARDS.includes(cand)) throw new Error(`card survived: ${JSON.stringify(doc)} → ${out}`);
              }
            }
          }
          expect(luhn(card)).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
