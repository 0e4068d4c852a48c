import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import { createSseParser, serializeComment, serializeEvent, type SseItem } from '../../src/response/sse.js';

const enc = new TextEncoder();

function parseAll(chunks: Uint8Array[], maxEventChars?: number): SseItem[] {
  const p = createSseParser({ maxEventChars });
  const out: SseItem[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

const cases: Array<{ name: string; input: string; expected: SseItem[] }> = [
  { name: 'LF', input: 'data: a\n\n', expected: [{ type: 'event', data: 'a' }] },
  { name: 'CRLF', input: 'data: a\r\n\r\n', expected: [{ type: 'event', data: 'a' }] },
  { name: 'CR', input: 'data: a\r\r', expected: [{ type: 'event', data: 'a' }] },
  { name: 'multi-line data', input: 'data: a\ndata:b\ndata:  c\n\n', expected: [{ type: 'event', data: 'a\nb\n c' }] },
  {
    name: 'event, id, retry',
    input: 'event: x\nid: 7\nretry: 100\ndata: {}\n\n',
    expected: [{ type: 'event', event: 'x', id: '7', retry: 100, data: '{}' }],
  },
  { name: 'comment', input: ': keep-alive\n\n', expected: [{ type: 'comment', text: ' keep-alive' }] },
  { name: 'field without colon', input: 'data\n\n', expected: [{ type: 'event', data: '' }] },
  { name: 'event without data is not dispatched', input: 'event: x\n\ndata: y\n\n', expected: [{ type: 'event', data: 'y' }] },
  { name: 'unknown field and bad retry ignored', input: 'foo: 1\nretry: x\ndata: z\n\n', expected: [{ type: 'event', data: 'z' }] },
  { name: 'BOM stripped', input: '\uFEFFdata: a\n\n', expected: [{ type: 'event', data: 'a' }] },
  { name: 'unterminated event discarded', input: 'data: a\n\ndata: b\n', expected: [{ type: 'event', data: 'a' }] },
  { name: 'mixed line ends', input: 'data: a\r\ndata: b\rdata: c\n\r\n', expected: [{ type: 'event', data: 'a\nb\nc' }] },
];

describe('SSE parser', () => {
  it.each(cases)('$name', ({ input, expected }) => {
    expect(parseAll([enc.encode(input)])).toEqual(expected);
  });

  it('gives the same events when the bytes are split at every boundary (CRLF, CR, multibyte)', () => {
    const input = 'event: e\r\ndata: héllo € 😀\r\ndata: 2\r\r: c\r\ndata: ü\n\nid: 9\rdata: 日本\r\n\r\n';
    const bytes = enc.encode(input);
    const whole = parseAll([bytes]);
    expect(whole).toHaveLength(4);
    for (let i = 1; i < bytes.length; i++) {
      for (let j = i; j < bytes.length; j++) {
        const parts = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        expect(parseAll(parts)).toEqual(whole);
      }
    }
    const single = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(parseAll(single)).toEqual(whole);
  });

  it('throws SLUICE_INSPECTION_FAILED when an event grows past maxEventChars', () => {
    const long = `data: ${'x'.repeat(50)}\ndata: ${'y'.repeat(60)}\n\n`;
    const err = (() => {
      try {
        parseAll([enc.encode(long)], 100);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe('SLUICE_INSPECTION_FAILED');
    expect(parseAll([enc.encode(long)], 200)).toHaveLength(1);
  });

  it('bounds a line that never ends, fed in small pieces', () => {
    const p = createSseParser({ maxEventChars: 64 });
    expect(() => {
      for (let i = 0; i < 100; i++) p.push(enc.encode('data: aaaa'));
    }).toThrow(/exceeds 64 characters/);
  });

  it.each([0, -1, 1.5])('rejects maxEventChars %s', (v) => {
    expect(() => createSseParser({ maxEventChars: v })).toThrow('maxEventChars must be a positive integer');
  });
});

describe('SSE serializer', () => {
  it.each([
    { ev: { data: 'a' }, text: 'data: a\n\n' },
    { ev: { event: 'x', id: '1', data: 'a\nb' }, text: 'event: x\nid: 1\ndata: a\ndata: b\n\n' },
    { ev: { retry: 5, data: '' }, text: 'retry: 5\ndata: \n\n' },
  ])('writes $text', ({ ev, text }) => {
    expect(serializeEvent(ev)).toBe(text);
  });

  it('round-trips through the parser', () => {
    const ev = { event: 'message', id: 'abc', data: 'line 1\nline 2\n\nline 4' };
    expect(parseAll([enc.encode(serializeEvent(ev))])).toEqual([{ type: 'event', ...ev }]);
  });

  it('keeps comments on one line', () => {
    expect(serializeComment(' a\nb')).toBe(': a b\n\n');
  });
});
