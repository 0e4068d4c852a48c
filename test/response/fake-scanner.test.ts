// The fake scanner is the yardstick for every filter test, so its own streaming contract is checked first.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maskOnce, newFakeScanner } from './fake-scanner.js';

function streamed(parts: string[]): string {
  const s = newFakeScanner();
  return parts.map((p) => s.push(p).out).join('') + s.end().out;
}

describe('fake scanner', () => {
  it.each([
    ['card 4111111111111111 end', 'card [REDACTED:card] end'],
    ['SECRET-abc_123 x', '[REDACTED:secret] x'],
    ['12345678901234567', '[REDACTED:card]7'],
    ['SECRET-', 'SECRET-'],
  ])('masks %s one-shot', (input, expected) => {
    expect(maskOnce(input).out).toBe(expected);
  });

  it('equals one-shot masking for any split', () => {
    const alphabet = fc.constantFrom('1', '4', 'S', 'E', 'C', 'R', 'T', '-', 'a', ' ', '😀', 'SECRET-', '4111111111111111');
    fc.assert(
      fc.property(fc.array(fc.array(alphabet, { maxLength: 12 }).map((a) => a.join('')), { maxLength: 8 }), (parts) => {
        expect(streamed(parts)).toBe(maskOnce(parts.join('')).out);
      }),
      { numRuns: 300 },
    );
  });

  it('releases text that cannot start a match beyond the hold-back', () => {
    const s = newFakeScanner();
    expect(s.push('x'.repeat(30)).out).toBe('x'.repeat(10));
  });
});
