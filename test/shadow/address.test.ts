import { describe, expect, it } from 'vitest';
import { inCidr, parseCidr, parseIp, protectedClass, protectedName } from '../../src/shadow/address.js';

describe('parseIp', () => {
  const cases: Array<[string, string | null, 4 | 6 | undefined]> = [
    ['127.0.0.1', '127.0.0.1', 4],
    ['::ffff:127.0.0.1', '127.0.0.1', 4],
    ['::ffff:7f00:1', '127.0.0.1', 4],
    ['0:0:0:0:0:ffff:7f00:1', '127.0.0.1', 4],
    ['0:0:0:0:0:0:0:1', '::1', 6],
    ['FD00:EC2:0::254', 'fd00:ec2::254', 6],
    ['::1.2.3.4', '::102:304', 6],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 6],
    ['1::', '1::', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['fe80::1%eth0', null, undefined],
    ['0x7f.1', null, undefined],
    ['example.com', null, undefined],
  ];
  it.each(cases)('%s → %s', (text, canonical, family) => {
    const ip = parseIp(text);
    expect(ip?.text ?? null).toBe(canonical);
    expect(ip?.family).toBe(family);
  });
});

describe('parseCidr / inCidr', () => {
  it('masks host bits and matches by family', () => {
    const c = parseCidr('10.1.2.3/8')!;
    expect(c.ip.text).toBe('10.0.0.0');
    expect(inCidr(parseIp('10.255.0.1')!, c)).toBe(true);
    expect(inCidr(parseIp('11.0.0.1')!, c)).toBe(false);
    expect(inCidr(parseIp('::ffff:10.0.0.1')!, c)).toBe(true);
    expect(inCidr(parseIp('fd00::1')!, c)).toBe(false);
    expect(parseCidr('::ffff:10.0.0.0/104')).toMatchObject({ ip: { text: '10.0.0.0' }, bits: 8 });
    expect(inCidr(parseIp('fd12::9')!, parseCidr('fc00::/7')!)).toBe(true);
  });
  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/x', '10.0.0/8', 'fe80::/-1'])('rejects %s', (s) => expect(parseCidr(s)).toBeNull());
});

describe('protectedClass', () => {
  const cases: Array<[string, string | undefined]> = [
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['::', 'unspecified'],
    ['169.254.169.254', 'metadata'], ['169.254.170.2', 'metadata'], ['fd00:ec2::254', 'metadata'], ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'], ['fe80::1', 'link-local'], ['febf::1', 'link-local'],
    ['10.0.0.1', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'], ['fd12:3456::1', 'private'], ['fc00::1', 'private'],
    ['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'], ['255.255.255.255', 'reserved'],
    ['64:ff9b::7f00:1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'metadata'], ['2002:7f00:1::', 'loopback'], ['2001:0:4136:e378::1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['8.8.8.8', undefined], ['172.32.0.1', undefined], ['2606:4700::1111', undefined], ['64:ff9b::808:808', undefined],
  ];
  it.each(cases)('%s → %s', (text, cls) => expect(protectedClass(parseIp(text)!)).toBe(cls));
});

describe('protectedName', () => {
  it.each([
    ['localhost', 'loopback'], ['api.localhost', 'loopback'], ['ip6-localhost', 'loopback'], ['localhost.localdomain', 'loopback'],
    ['metadata.google.internal', 'metadata'], ['metadata', 'metadata'], ['instance-data.ec2.internal', 'metadata'],
    ['localhost.example.com', undefined], ['api.openai.com', undefined],
  ])('%s → %s', (name, cls) => expect(protectedName(name)).toBe(cls));
});
