import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize } from '../../src/audit/canonical.js';

describe('canonicalize', () => {
  it.each([
    ['sorted keys, no whitespace', { b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    ['nested objects sorted', { z: { y: 1, x: 2 }, a: {} }, '{"a":{},"z":{"x":2,"y":1}}'],
    ['undefined members omitted', { a: undefined, b: 2 }, '{"b":2}'],
    ['keys sort by UTF-16 code units (RFC 8785 3.2.3)', { '\u20ac': 1, '\r': 2, '1': 3, 'é': 4, '\ud83d\ude00': 5 }, '{"\\r":2,"1":3,"é":4,"€":1,"😀":5}'],
    ['numbers as ECMAScript prints them', [1e21, 1.5e-7, -0, 0.1 + 0.2, 100], '[1e+21,1.5e-7,0,0.30000000000000004,100]'],
    ['string escapes as JSON.stringify', ['a"b\\c\n\u0001'], '["a\\"b\\\\c\\n\\u0001"]'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalize(value)).toBe(expected);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', [Infinity]],
    ['a function', { f: () => 1 }],
    ['a bigint', 1n],
    ['undefined inside an array', [1, undefined]],
    ['a Date (non-plain object)', { d: new Date(0) }],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalize(value)).toThrow(/Cannot canonicalize/);
  });

  it('is independent of key insertion order and stable through a JSON round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalize(v);
        expect(canonicalize(JSON.parse(c))).toBe(c);
        const reversed = JSON.parse(JSON.stringify(v), (_k, x) =>
          x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x,
        );
        expect(canonicalize(reversed)).toBe(c);
      }),
      { numRuns: 300 },
    );
  });
});
