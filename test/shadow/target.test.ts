import { describe, expect, it } from 'vitest';
import { parseConnectTarget, parseProxyUrl } from '../../src/shadow/target.js';

// Every spelling of loopback a resolver or inet_aton would accept becomes one canonical address.
describe('parseConnectTarget', () => {
  const cases: Array<[string, string | null, number?, boolean?]> = [
    ['127.0.0.1:6379', '127.0.0.1', 6379, true],
    ['2130706433:6379', '127.0.0.1', 6379, true],
    ['0x7f000001:6379', '127.0.0.1', 6379, true],
    ['0x7f.1:6379', '127.0.0.1', 6379, true],
    ['0177.0.0.1:6379', '127.0.0.1', 6379, true],
    ['127.1:6379', '127.0.0.1', 6379, true],
    ['127.0.0.1.:6379', '127.0.0.1', 6379, true],
    ['%31%32%37.0.0.1:6379', '127.0.0.1', 6379, true],
    ['[::ffff:127.0.0.1]:6379', '127.0.0.1', 6379, true],
    ['[::FFFF:7F00:1]:6379', '127.0.0.1', 6379, true],
    ['[0:0:0:0:0:0:0:1]:6379', '::1', 6379, true],
    ['0:80', '0.0.0.0', 80, true],
    ['[::]:80', '::', 80, true],
    ['LOCALHOST.:8080', 'localhost', 8080, false],
    ['API.OpenAI.com', 'api.openai.com', 443, false],
    ['ａｐｉ.openai.com:443', 'api.openai.com', 443, false],
    ['[fe80::1%25eth0]:80', null],
    ['user@127.0.0.1:80', null],
    ['127.0.0.1:80/x', null],
    ['127.0.0.1\\@evil.com:80', null],
    ['127.0.0.1:', null],
    ['127.0.0.1:0', null],
    ['127.0.0.1:65536', null],
    ['127.0.0.1:+80', null],
    ['::1:80', null],
    ['[::1]80', null],
    ['a..b:80', null],
    ['256.0.0.1:80', null],
    ['', null],
  ];
  it.each(cases)('%s → %s', (raw, host, port, literal) => {
    const d = parseConnectTarget(raw);
    expect(d?.host ?? null).toBe(host);
    if (host) {
      expect(d!.port).toBe(port);
      expect(d!.ip !== undefined).toBe(literal);
    }
  });
});

describe('parseProxyUrl', () => {
  const cases: Array<[string, string | null, number?, string?]> = [
    ['http://127.0.0.1:8080/metrics', '127.0.0.1', 8080, '/metrics'],
    ['http://0x7f.1:8080/metrics', '127.0.0.1', 8080, '/metrics'],
    ['http://%31%32%37.0.0.1:8080/metrics', '127.0.0.1', 8080, '/metrics'],
    ['http://[::ffff:7f00:1]:8080/metrics', '127.0.0.1', 8080, '/metrics'],
    ['HTTP://LOCALHOST.:8080/a/../metrics?x=1#frag', 'localhost', 8080, '/metrics?x=1'],
    // One parse decides host and path: the `\` ends the authority for URL parsers, so the host is 127.0.0.1.
    ['http://127.0.0.1\\@example.com/x', '127.0.0.1', 80, '/@example.com/x'],
    ['http://user:pw@example.com:80/', 'example.com', 80, '/'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal', 80, '/computeMetadata/v1/'],
    ['https://example.com/', null],
    ['http://example.com:0/', null],
    ['http://exa mple.com/', null],
  ];
  it.each(cases)('%s → %s', (url, host, port, path) => {
    const t = parseProxyUrl(url);
    expect(t?.dest.host ?? null).toBe(host);
    if (host) expect([t!.dest.port, t!.path]).toEqual([port, path]);
  });
});
