import { describe, expect, test } from 'vitest';
import { validateCustomPattern } from '../../src/inspect/detectors/index.js';
import type { CustomPatternDetector } from '../../src/inspect/api.js';
import { custom, keywords, scanText, spans } from './helpers.js';

const cust = (over: Partial<CustomPatternDetector> = {}): CustomPatternDetector => ({
  id: 'customer_id',
  type: 'customer_id',
  pattern: 'CUST-[0-9]{6}',
  maxLength: 11,
  action: 'redact',
  ...over,
});

describe('custom regex detectors (re2-wasm)', () => {
  test.each([
    ['anchored', cust({ anchors: ['CUST-'] })],
    ['unanchored', cust()],
  ])('%s: emoji before a match does not shift offsets', (_n, det) => {
    const text = '😀😀 é CUST-123456 and 🧑‍🚀 CUST-654321';
    const r = scanText(custom([det]), text);
    expect(spans(text, r.findings)).toEqual(['CUST-123456', 'CUST-654321']);
    expect(r.text).toBe('😀😀 é [REDACTED:customer_id] and 🧑‍🚀 [REDACTED:customer_id]');
  });

  test('case-insensitive flag applies to pattern and anchors', () => {
    const r = scanText(custom([cust({ pattern: 'cust-[0-9]{6}', flags: 'i', anchors: ['cust-'] })]), 'x Cust-000001 y');
    expect(r.findings).toHaveLength(1);
  });

  test.each([
    [cust({ pattern: '(' }), /customer_id.*invalid pattern/],
    [cust({ pattern: '' }), /customer_id.*empty/],
    [cust({ maxLength: 0 }), /customer_id.*maxLength/],
    [cust({ flags: 'x' }), /customer_id.*unsupported flag/],
    [cust({ pattern: '(a)\\1' }), /customer_id.*invalid pattern/],
  ])('rejects %j with an error naming the detector', (det, msg) => {
    expect(() => validateCustomPattern(det)).toThrow(msg);
  });

  test.each([[undefined], [['CUST-']]])('1 MiB body with a custom pattern (anchors %j) finds every planted value', (anchors) => {
    const filler = 'lorem ipsum dolor sit amet 12345 😀 '.repeat(30_000).slice(0, 1024 * 1024);
    const planted = [10, 300_000, 700_000, filler.length - 40];
    let text = filler;
    for (const at of planted.reverse()) text = text.slice(0, at) + ' CUST-424242 ' + text.slice(at);
    const r = scanText(custom([cust(anchors ? { anchors } : {})]), text);
    expect(r.findings).toHaveLength(4);
    expect(r.text).not.toContain('CUST-424242');
  });
});

describe('keyword detectors', () => {
  const kw = keywords([
    { id: 'exfil', type: 'exfiltration', keywords: ['export', 'DROP TABLE', 's3://', 'terraform apply'], caseInsensitive: true, action: 'approve' },
  ]);
  test.each([
    ['Please EXPORT the data', ['EXPORT']],
    ['then drop table users; copy to s3://bucket', ['drop table', 's3://']],
    ['run terraform apply now', ['terraform apply']],
    ['the exporter and reexport', []],
  ])('%j', (text, expected) => {
    const r = scanText(kw, text);
    expect(spans(text, r.findings)).toEqual(expected);
    expect(r.changed).toBe(false);
    expect(r.findings.every((f) => f.action === 'approve' && f.type === 'exfiltration')).toBe(true);
  });

  test('case-sensitive keywords', () => {
    const p = keywords([{ id: 'k', type: 'k', keywords: ['SECRET'], caseInsensitive: false, action: 'report' }]);
    expect(scanText(p, 'secret SECRET').findings).toHaveLength(1);
  });
});
