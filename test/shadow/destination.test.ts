// The destination decision on its own: an injected resolver and no sockets, so addresses outside
// 127.0.0.1 (metadata, private ranges, public answers) can be tested without ever being contacted.
import { describe, expect, it } from 'vitest';
import { createDestinationPolicy, type DestinationVerdict } from '../../src/shadow/destination.js';
import { compileEgressPolicy, type EgressPolicy } from '../../src/shadow/policy.js';
import { createSelfCheck } from '../../src/shadow/self.js';
import { parseConnectTarget } from '../../src/shadow/target.js';
import { testResolver } from './helpers.js';

const NOT_LLM = { matched: false, signatures: [] };
const OPENAI = { matched: true, signatures: ['host:openai'], provider: 'openai' };

function decider(policy: EgressPolicy, answers: Parameters<typeof testResolver>[0] = {}, resolveTimeoutMs = 1000) {
  const { resolve, asked } = testResolver(answers);
  // The gateway on 8080 and the proxy on 3128, bound to every interface; this host also has 10.0.0.7.
  const isSelf = createSelfCheck(() => [{ host: '0.0.0.0', port: 8080 }, { host: '127.0.0.1', port: 3128 }], () => ['127.0.0.1', '10.0.0.7', '::1']);
  const decide = createDestinationPolicy({ policy: compileEgressPolicy(policy), resolve, resolveTimeoutMs, isSelf });
  return {
    asked,
    decide: async (authority: string, c: { matched: boolean; signatures: string[] } = NOT_LLM) => {
      const v = await decide(parseConnectTarget(authority)!, c);
      return summary(v);
    },
  };
}
const summary = (v: DestinationVerdict) => ({ action: v.action, rule: v.rule, address: v.address?.text, ...(v.policyAction ? { policyAction: v.policyAction } : {}) });

describe('protected addresses are refused even when the default allows', () => {
  const literals: Array<[string, string]> = [
    ['127.0.0.1:6379', 'loopback'], ['2130706433:6379', 'loopback'], ['[::ffff:127.0.0.1]:6379', 'loopback'], ['[::1]:6379', 'loopback'],
    ['0.0.0.0:6379', 'unspecified'], ['[::]:6379', 'unspecified'],
    ['169.254.169.254:80', 'metadata'], ['[fd00:ec2::254]:80', 'metadata'], ['100.100.100.200:80', 'metadata'],
    ['169.254.10.1:80', 'link-local'], ['[fe80::1]:80', 'link-local'],
    ['10.0.0.5:6379', 'private'], ['172.16.3.4:443', 'private'], ['192.168.1.1:80', 'private'], ['[fd12::1]:80', 'private'],
    ['224.0.0.1:80', 'multicast'], ['255.255.255.255:80', 'reserved'], ['[64:ff9b::7f00:1]:80', 'loopback'],
    ['10.0.0.7:8080', 'self'], ['127.0.0.1:3128', 'self'],
  ];
  it.each(literals)('%s → protected:%s, without any lookup', async (target, cls) => {
    const d = decider({ default: 'allow' });
    expect(await d.decide(target)).toMatchObject({ action: 'block', rule: `protected:${cls}`, policyAction: 'allow' });
    expect(d.asked).toEqual([]);
  });

  it.each([['localhost:6379', 'loopback'], ['db.localhost:5432', 'loopback'], ['metadata.google.internal:80', 'metadata'], ['instance-data:80', 'metadata']])(
    '%s → protected:%s by name, without resolving it',
    async (target, cls) => {
      const d = decider({ default: 'allow' });
      expect(await d.decide(target)).toMatchObject({ action: 'block', rule: `protected:${cls}` });
      expect(d.asked).toEqual([]);
    },
  );

  it('a public address passes', async () => {
    const d = decider({ default: 'allow' }, { 'example.com': ['93.184.216.34'] });
    expect(await d.decide('example.com:443')).toEqual({ action: 'allow', rule: 'default', address: '93.184.216.34' });
  });
});

describe('names are resolved once and every answer is checked', () => {
  const answers: Array<[string, string[], string]> = [
    ['metadata', ['169.254.169.254'], 'protected:metadata'],
    ['mapped loopback', ['::ffff:127.0.0.1'], 'protected:loopback'],
    ['NAT64 loopback', ['64:ff9b::7f00:1'], 'protected:loopback'],
    ['private', ['10.1.2.3'], 'protected:private'],
    ['a refused answer among public ones', ['93.184.216.34', '127.0.0.1'], 'protected:loopback'],
    ['this host on the gateway port', ['10.0.0.7'], 'protected:self'],
  ];
  it.each(answers)('%s', async (_n, ips, rule) => {
    const d = decider({ default: 'allow' }, { 'rebind.example': ips });
    expect(await d.decide(`rebind.example:${rule === 'protected:self' ? 8080 : 80}`)).toMatchObject({ action: 'block', rule });
    expect(d.asked).toEqual(['rebind.example']);
  });

  it('uses the first answer it checked; a later (rebound) answer is never asked for', async () => {
    const d = decider({ default: 'allow' }, { 'rebind.example': (n) => (n === 1 ? ['93.184.216.34'] : ['127.0.0.1']) });
    expect(await d.decide('rebind.example:80')).toEqual({ action: 'allow', rule: 'default', address: '93.184.216.34' });
    expect(d.asked).toEqual(['rebind.example']);
  });

  it('a name that does not resolve, or whose resolver hangs, is unresolvable', async () => {
    const policy = compileEgressPolicy({ default: 'allow' });
    const gone = createDestinationPolicy({ policy, resolve: testResolver({ 'gone.example': [] }).resolve, resolveTimeoutMs: 1000, isSelf: () => false });
    expect(await gone(parseConnectTarget('gone.example:80')!, NOT_LLM)).toMatchObject({ action: 'allow', refusal: 'unresolvable' });
    const hang = createDestinationPolicy({ policy, resolve: () => new Promise(() => undefined), resolveTimeoutMs: 50, isSelf: () => false });
    expect(await hang(parseConnectTarget('slow.example:80')!, NOT_LLM)).toMatchObject({ refusal: 'unresolvable' });
  });
});

describe('rules that name a protected destination', () => {
  const cases: Array<[string, EgressPolicy['hosts'], Record<string, string[]>, string, Partial<ReturnType<typeof summary>>]> = [
    ['an exact name rule reaches its private address', { 'redis.corp.example': 'allow' }, { 'redis.corp.example': ['10.0.0.5'] }, 'redis.corp.example:6379', { action: 'allow', rule: 'host:redis.corp.example', address: '10.0.0.5' }],
    ['a glob does not unlock a private address', { '*.corp.example': 'allow' }, { 'redis.corp.example': ['10.0.0.5'] }, 'redis.corp.example:6379', { action: 'block', rule: 'protected:private', policyAction: 'allow' }],
    ['a glob plus a range rule does', { '*.corp.example': 'allow', '10.0.0.0/8': 'allow' }, { 'redis.corp.example': ['10.0.0.5'] }, 'redis.corp.example:6379', { action: 'allow', rule: 'host:*.corp.example', address: '10.0.0.5' }],
    ['an address block rule beats a name allow rule', { 'svc.corp.example': 'allow', '10.9.0.0/16': 'block' }, { 'svc.corp.example': ['10.9.0.1'] }, 'svc.corp.example:443', { action: 'block', rule: 'host:10.9.0.0/16' }],
    ['localhost by name', { localhost: 'allow' }, {}, 'localhost:6379', { action: 'allow', rule: 'host:localhost', address: '127.0.0.1' }],
    ['localhost by address and port', { '127.0.0.1:6379': 'allow' }, {}, '127.0.0.1:6379', { action: 'allow', rule: 'host:127.0.0.1:6379', address: '127.0.0.1' }],
    ['an exact name does not unlock metadata', { 'api.partner.example': 'allow' }, { 'api.partner.example': ['169.254.169.254'] }, 'api.partner.example:80', { action: 'block', rule: 'protected:metadata' }],
    ['a range does not unlock metadata', { '169.254.0.0/16': 'allow' }, {}, '169.254.169.254:80', { action: 'block', rule: 'protected:metadata' }],
    ['the metadata address itself', { '169.254.169.254': 'allow' }, {}, '169.254.169.254:80', { action: 'allow', rule: 'host:169.254.169.254' }],
    ['the metadata name itself', { 'metadata.google.internal': 'allow' }, { 'metadata.google.internal': ['169.254.169.254'] }, 'metadata.google.internal:80', { action: 'allow', address: '169.254.169.254' }],
    ['loopback without the port does not unlock the gateway', { '127.0.0.1': 'allow' }, {}, '127.0.0.1:8080', { action: 'block', rule: 'protected:self' }],
    ['localhost without the port does not unlock the proxy', { localhost: 'allow' }, {}, 'localhost:3128', { action: 'block', rule: 'protected:self' }],
    ['the gateway port named explicitly', { '127.0.0.1:8080': 'allow' }, {}, '127.0.0.1:8080', { action: 'allow', rule: 'host:127.0.0.1:8080' }],
  ];
  it.each(cases)('%s', async (_n, hosts, answers, target, expected) => {
    const d = decider({ default: 'block', hosts }, answers);
    expect(await d.decide(target)).toMatchObject(expected);
  });
});

describe('host rules first; default-deny without DNS', () => {
  it('default block refuses an uncatalogued name without resolving it', async () => {
    const d = decider({ default: 'block' });
    expect(await d.decide('example.com:443')).toEqual({ action: 'block', rule: 'default', address: undefined });
    expect(d.asked).toEqual([]);
  });

  it('a name default-deny refuses is never resolved, even when address rules could allow its address', async () => {
    // Resolving it would let a caller leak data through the proxy's DNS queries (CONNECT <data>.attacker.example).
    const d = decider({ default: 'block', hosts: { '10.0.0.0/8': 'allow', '127.0.0.1': 'allow' } }, { 'svc.corp.example': ['10.2.0.9'] });
    expect(await d.decide('svc.corp.example:443')).toMatchObject({ action: 'block', rule: 'default' });
    expect(await d.decide('c2VjcmV0.attacker.example:443')).toMatchObject({ action: 'block', rule: 'default' });
    expect(d.asked).toEqual([]);
    // The same range rule decides IP literals, and a name's address when the name may be reached.
    expect(await d.decide('10.2.0.9:443')).toMatchObject({ action: 'allow', rule: 'host:10.0.0.0/8' });
    const open = decider({ default: 'log', hosts: { '10.0.0.0/8': 'allow' } }, { 'svc.corp.example': ['10.2.0.9'] });
    expect(await open.decide('svc.corp.example:443')).toMatchObject({ action: 'allow', rule: 'host:10.0.0.0/8', address: '10.2.0.9' });
  });

  it('a block rule for a host outside the catalogue wins over default allow, without resolving', async () => {
    const d = decider({ default: 'allow', hosts: { 'pastebin.example': 'block' } });
    expect(await d.decide('pastebin.example:443')).toMatchObject({ action: 'block', rule: 'host:pastebin.example' });
    expect(d.asked).toEqual([]);
  });

  it('a host rule wins over signature rules', async () => {
    const d = decider({ default: 'block', hosts: { 'api.openai.com': 'log' }, signatures: { 'host:*': 'block' } }, { 'api.openai.com': ['162.159.140.245'] });
    expect(await d.decide('api.openai.com:443', OPENAI)).toEqual({ action: 'log', rule: 'host:api.openai.com', address: '162.159.140.245' });
  });

  it('`route` (from a signature rule) is decided without resolving', async () => {
    const d = decider({ default: 'block', signatures: { 'host:openai': 'route' } });
    expect(await d.decide('api.openai.com:80', OPENAI)).toMatchObject({ action: 'route', rule: 'signature:host:openai' });
    expect(d.asked).toEqual([]);
  });

  it('signature rules do not apply to calls that are not shadow calls', async () => {
    const d = decider({ default: 'block', signatures: { '*': 'allow' } });
    expect(await d.decide('example.com:443')).toMatchObject({ action: 'block', rule: 'default' });
  });
});
