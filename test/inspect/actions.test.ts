import { describe, expect, test } from 'vitest';
import type { DetectorAction } from '../../src/types.js';
import { createMemoryVault } from '../../src/inspect/vault.js';
import { inspectBody, createEngine } from '../../src/inspect/engine.js';
import { defaultProfile } from '../../src/inspect/profile.js';
import { maskValue } from '../../src/inspect/mask.js';
import { enc, only, profile, scanText, SECRET } from './helpers.js';

describe('actions', () => {
  test.each<[DetectorAction, string, string | RegExp]>([
    ['mask', 'card 4242-4242-4242-4242', 'card ****-****-****-4242'],
    ['redact', 'card 4242-4242-4242-4242', 'card [REDACTED:card]'],
    ['tokenize', 'card 4242-4242-4242-4242', /^card <card_[0-9a-f]{8}>$/],
    ['hash', 'card 4242-4242-4242-4242', /^card \[HASH:card:[0-9a-f]{8}\]$/],
    ['block', 'card 4242-4242-4242-4242', 'card 4242-4242-4242-4242'],
    ['approve', 'card 4242-4242-4242-4242', 'card 4242-4242-4242-4242'],
    ['report', 'card 4242-4242-4242-4242', 'card 4242-4242-4242-4242'],
  ])('%s', (action, text, expected) => {
    const r = scanText(only('card', action), text);
    if (typeof expected === 'string') expect(r.text).toBe(expected);
    else expect(r.text).toMatch(expected);
    expect(r.findings).toEqual([{ detector: 'card', type: 'card', action, start: 5, end: 24 }]);
    expect(r.changed).toBe(action === 'mask' || action === 'redact' || action === 'tokenize' || action === 'hash');
  });

  test.each([
    ['digits4', '536-22-8410', '***-**-8410'],
    ['phone', '+1 (415) 555-2671', '+* (***) ***-**71'],
    ['iban', 'GB82WEST12345698765432', 'GB****************5432'],
    ['email', 'jane.doe@example.com', 'j***@example.com'],
    ['ipv4', '192.168.1.42', '***.***.*.42'],
    ['ipv6', 'fe80::1ff:fe23', '****::***:fe23'],
    ['secret', 'sk-ant-api03-xyz', 'sk-ant-********'],
    ['password', 'hunter2', '********'],
    ['digits4', '４２４２\u200b４２４２\u200b4242\u200b4242', '************4242'],
  ] as const)('mask style %s: %j → %j', (style, value, masked) => {
    expect(maskValue(style, value, style === 'secret' ? 7 : 0)).toBe(masked);
  });

  test('tokens are stable per session and value, differ across sessions, and are issued once', () => {
    const p = only('email', 'tokenize');
    const a = scanText(p, 'a@example.com b@example.com a@example.com', 'sess-1');
    const [t1, t2, t3] = a.text.split(' ');
    expect(t1).toBe(t3);
    expect(t1).not.toBe(t2);
    expect(a.tokens).toEqual([
      { token: t1, value: 'a@example.com' },
      { token: t2, value: 'b@example.com' },
    ]);
    expect(scanText(p, 'a@example.com', 'sess-2').text).not.toBe(t1);
    expect(scanText(p, 'a@example.com', 'sess-1').text).toBe(t1);
  });

  test('hashes depend on the profile secret, not the session', () => {
    const h = (secret: string, session: string) => scanText(profile({ builtins: [{ id: 'ssn', action: 'hash' }], secret }), '536-22-8410', session).text;
    expect(h(SECRET, 'a')).toBe(h(SECRET, 'b'));
    expect(h(SECRET, 'a')).not.toBe(h('ffff', 'a'));
  });

  test('findings never carry raw values', () => {
    const r = scanText(only('card', 'block'), 'card 4242424242424242');
    expect(JSON.stringify(r.findings)).not.toContain('4242');
  });

  test('inspectBody and the engine cache', () => {
    const p = defaultProfile('aa');
    expect(createEngine(p)).toBe(createEngine({ ...p }));
    const r = inspectBody({ body: enc.encode('x 536-22-8410'), contentType: 'text', profile: p, session: 's' });
    expect(r.findings[0]).toMatchObject({ detector: 'ssn', action: 'mask' });
  });

  test('unknown builtin ids are rejected with a clear error', () => {
    expect(() => createEngine(profile({ builtins: [{ id: 'nope', action: 'mask' }] }))).toThrow('unknown builtin detector "nope"');
  });
});

describe('token vault', () => {
  test('put/get per session with expiry', () => {
    let now = 1000;
    const v = createMemoryVault({ now: () => now });
    v.put('s1', '<card_1>', '4242', 100);
    expect(v.get('s1', '<card_1>')).toBe('4242');
    expect(v.get('s2', '<card_1>')).toBeUndefined();
    now = 1100;
    expect(v.get('s1', '<card_1>')).toBeUndefined();
  });

  test('bounded: the oldest entries are evicted first', () => {
    const v = createMemoryVault({ maxEntries: 2 });
    v.put('s', 'a', '1', 60_000);
    v.put('s', 'b', '2', 60_000);
    v.put('s', 'c', '3', 60_000);
    expect([v.get('s', 'a'), v.get('s', 'b'), v.get('s', 'c'), v.size()]).toEqual([undefined, '2', '3', 2]);
  });

  test.each([0, -1, 1.5])('rejects maxEntries %j', (maxEntries) => {
    expect(() => createMemoryVault({ maxEntries })).toThrow('maxEntries must be a positive integer');
  });
});
