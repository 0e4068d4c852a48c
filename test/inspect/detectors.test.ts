import { describe, expect, test } from 'vitest';
import { BUILTIN_DETECTORS } from '../../src/inspect/api.js';
import { CATALOGUE } from '../../src/inspect/detectors/index.js';
import { only, scanText, spans } from './helpers.js';

// [detector, text, expected spans] — aho-corasick's tests.rs shape: name, input, expected matches.
const POSITIVES: Array<[string, string, string[]]> = [
  ['card', 'visa 4242 4242 4242 4242 ok', ['4242 4242 4242 4242']],
  ['card', 'mc 5555-5555-5555-4444.', ['5555-5555-5555-4444']],
  ['card', 'amex 378282246310005', ['378282246310005']],
  ['card', 'discover 6011111111111117, diners 30569309025904', ['6011111111111117', '30569309025904']],
  ['card', 'mixed 4242 4242-4242 4242', ['4242 4242-4242 4242']],
  ['card', 'ref 12 4242424242424242 exp 12/29', ['4242424242424242']],
  ['card', 'full-width ４２４２４２４２４２４２４２４２', ['４２４２４２４２４２４２４２４２']],
  ['card', 'zero-width 4242\u200b4242\u200c4242\u2060\ufeff4242', ['4242\u200b4242\u200c4242\u2060\ufeff4242']],
  ['card', 'soft hyphen 4242\u00ad4242\u00ad4242\u00ad4242', ['4242\u00ad4242\u00ad4242\u00ad4242']],
  ['card', 'slashes 4242/4242/4242/4242 and underscores 4111_1111_1111_1111', ['4242/4242/4242/4242', '4111_1111_1111_1111']],
  ['ssn', 'ssn 536-22-8410 and 536 22 8410', ['536-22-8410', '536 22 8410']],
  ['email', 'mail jane.doe+tag@mail.example.co.uk.', ['jane.doe+tag@mail.example.co.uk']],
  ['phone', 'call +1 (415) 555-2671 or (212) 555-0199 or 415.555.2671', ['+1 (415) 555-2671', '(212) 555-0199', '415.555.2671']],
  ['phone', 'uk 020 7946 0958, e164 +442079460958', ['020 7946 0958', '+442079460958']],
  ['iban', 'iban GB82 WEST 1234 5698 7654 32 / DE89370400440532013000', ['GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000']],
  ['ipv4', 'host 192.168.1.20 and 10.0.0.1.', ['192.168.1.20', '10.0.0.1']],
  ['ipv6', 'v6 2001:db8:85a3::8a2e:370:7334 and fe80::1 and ::1', ['2001:db8:85a3::8a2e:370:7334', 'fe80::1', '::1']],
  ['aws_access_key', 'key=AKIAIOSFODNN7EXAMPLE', ['AKIAIOSFODNN7EXAMPLE']],
  ['aws_secret_key', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']],
  ['openai_key', 'OPENAI_API_KEY=sk-proj-abcdEFGH1234567890abcdef', ['sk-proj-abcdEFGH1234567890abcdef']],
  ['anthropic_key', 'x-api-key: sk-ant-api03-abcDEF1234567890abcdef-xyz', ['sk-ant-api03-abcDEF1234567890abcdef-xyz']],
  ['github_token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789 github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuv', ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuv']],
  ['slack_token', 'xoxb-1234567890-abcdefGHIJ', ['xoxb-1234567890-abcdefGHIJ']],
  ['stripe_key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', ['sk_live_4eC39HqLyjWDarjtT1zdp7dc']],
  ['google_api_key', 'AIzaSyA1234567890abcdefghijklmnopqrstuv', ['AIzaSyA1234567890abcdefghijklmnopqrstuv']],
  ['jwt', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U']],
  ['private_key', 'k: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY----- done', ['-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----']],
  ['password_assignment', 'DB_PASSWORD=hunter2! and "secret": "s3cr3t value" and pwd: x9y8z7', ['hunter2!', 's3cr3t value', 'x9y8z7']],
];

// Look-alikes that must not match.
const NEGATIVES: Array<[string, string]> = [
  ['card', 'luhn-invalid 4242 4242 4242 4241, order #1234567890123, epoch 1700000000000'],
  ['card', 'uuid 123e4567-e89b-12d3-a456-426614174000, pi 3.14159265358979'],
  ['card', 'date 2024/01/15, build_2024_0115_1200_4242, path 4242/424242424242'],
  ['ssn', 'area 000-12-3456, 666-12-3456, 900-12-3456, group 123-00-4567, serial 123-45-0000, date 2024-01-15'],
  ['email', 'user@localhost, @handle, a@b.c, name@domain.123'],
  ['phone', 'order 1234567890, date 2024-01-15 10:30:00, version 1.2.3, 555-1234'],
  ['iban', 'GB82 WEST 1234 5698 7654 33 (bad checksum), AB12'],
  ['ipv4', 'version 1.2.3, v1.2.3.4, 256.1.1.1, 1.2.3.4.5'],
  ['ipv6', 'time 10:30:00, std::vector, mac 00:1a:2b:3c:4d:5e, a:b'],
  ['aws_access_key', 'AKIA1234 AKIAIOSFODNN7EXAMPLEXX xAKIAIOSFODNN7EXAMPLE'],
  ['aws_secret_key', 'aws_secret_access_key = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ['openai_key', 'task-management-system-for-teams, sk-short, sk-learn-is-a-library-name-here'],
  ['github_token', 'ghp_short ghp_'],
  ['jwt', 'eyJust a word, eyJhbGciOiJIUzI1NiJ9 alone'],
  ['private_key', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE----- -----BEGIN PUBLIC KEY-----'],
  ['password_assignment', 'password: reset required; password=${DB_PASSWORD}; password=********; passwordless login; password = "<redacted>"'],
];

describe('catalogue', () => {
  test('has every builtin id with type, description and maxLength', () => {
    expect([...CATALOGUE.keys()]).toEqual([...BUILTIN_DETECTORS]);
    for (const d of CATALOGUE.values()) {
      expect(d.type).toMatch(/^[a-z0-9_]+$/);
      expect(d.description.length).toBeGreaterThan(10);
      expect(d.maxLength).toBeGreaterThan(0);
    }
  });
});

describe('detectors', () => {
  test.each(POSITIVES)('%s finds %j', (id, text, expected) => {
    const r = scanText(only(id, 'report'), text);
    expect(spans(text, r.findings)).toEqual(expected);
    expect(r.findings.every((f) => f.detector === id)).toBe(true);
  });

  test.each(NEGATIVES)('%s ignores look-alikes in %j', (id, text) => {
    expect(scanText(only(id, 'report'), text).findings).toEqual([]);
  });

  test('anthropic keys are not reported as OpenAI keys', () => {
    const p = only('openai_key', 'report');
    p.builtins.push({ id: 'anthropic_key', action: 'report' });
    const r = scanText(p, 'sk-ant-api03-abcDEF1234567890abcdef');
    expect(r.findings.map((f) => f.detector)).toEqual(['anthropic_key']);
  });

  test('a disabled detector finds nothing', () => {
    expect(scanText(only('email', 'report'), 'card 4242 4242 4242 4242').findings).toEqual([]);
  });
});
