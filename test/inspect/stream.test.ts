import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { allBuiltins, scanText, streamed, profile } from './helpers.js';
import { createEngine } from '../../src/inspect/engine.js';

const P = allBuiltins('redact');

const PLANTED = [
  '4242 4242 4242 4242',
  '5555-5555-5555-4444',
  '378282246310005',
  '536-22-8410',
  'jane.doe@example.com',
  '+1 (415) 555-2671',
  'GB82 WEST 1234 5698 7654 32',
  'AKIAIOSFODNN7EXAMPLE',
  'sk-ant-api03-abcDEF1234567890abcdef',
  'sk-proj-abcdEFGH1234567890abcdef',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'xoxb-1234567890-abcdefGHIJ',
  'AIzaSyA1234567890abcdefghijklmnopqrstuv',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  '４２４２ ４２４２ ４２４２ ４２４２',
  '4242\u200b4242\u200b4242\u200b4242',
];
const WORDS = ['the', 'card', 'is', 'and', 'call', 'me', 'at', 'order', 'v1.2.3', 'ok.', 'émoji😀', '2024-01-15', '\n', 'password', 'a:b'];

function splitAt(text: string, cuts: number[]): string[] {
  const pts = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of pts) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

describe('stream scanner', () => {
  test.each([
    ['card split mid-group', ['pay 4242 42', '42 4242 4242 now']],
    ['email split at @', ['mail jane.doe', '@example.com please']],
    ['key split in prefix', ['token s', 'k-ant-api03-abcDEF1234567890abcdef end']],
    ['one character at a time', [...'ssn 536-22-8410 ok']],
    ['iban letters released early?', ['acct GB', '82 WEST 1234 5698 7654 32 done']],
  ])('%s: same output as one-shot', (_name, chunks) => {
    const whole = chunks.join('');
    const oneShot = scanText(P, whole);
    const s = streamed(P, chunks);
    expect(s.out).toBe(oneShot.text);
    expect(s.findings.map((f) => [f.detector, f.start, f.end])).toEqual(oneShot.findings.map((f) => [f.detector, f.start, f.end]));
    expect(oneShot.findings.length).toBeGreaterThan(0);
  });

  test('releases prose before the end instead of holding everything', () => {
    const s = createEngine(P).createTextScanner();
    const r = s.push('Hello there, this is ordinary prose with nothing to hide and more words ');
    expect(r.out.length).toBeGreaterThan(40);
  });

  test('holds a partial anchor at the end', () => {
    const s = createEngine(P).createTextScanner();
    const r = s.push('here is -----BEG');
    expect(r.out).toBe('here is ');
  });

  test('property: random chunking equals one-shot, planted values never leak', () => {
    const part = fc.oneof(fc.constantFrom(...PLANTED), fc.constantFrom(...WORDS));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(400), { maxLength: 8 }), (parts, cuts) => {
        const text = parts.join(' ');
        const oneShot = scanText(P, text).text;
        const s = streamed(P, splitAt(text, cuts));
        expect(s.out).toBe(oneShot);
        for (const v of PLANTED) if (text.includes(v)) expect(s.out).not.toContain(v);
      }),
      { numRuns: 300 },
    );
  });

  test('custom detectors stream too', () => {
    const p = profile({ builtins: [], custom: [{ id: 'cust', type: 'customer_id', pattern: 'CUST-[0-9]{6}', maxLength: 11, anchors: ['CUST-'], action: 'redact' }] });
    const s = streamed(p, ['id CUS', 'T-12', '3456 done']);
    expect(s.out).toBe('id [REDACTED:customer_id] done');
  });
});
