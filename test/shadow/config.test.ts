import { describe, expect, it } from 'vitest';
import { EGRESS_DEFAULTS, readEgressConfig } from '../../src/shadow/config.js';
import { ConfigError } from '../../src/config/problems.js';
import { egressOptionsFrom } from '../../src/shadow/proxy.js';
import { compileEgressPolicy } from '../../src/shadow/policy.js';
import { parseIp } from '../../src/shadow/address.js';
import { parseConfig } from '../../src/config/load.js';

describe('egress config', () => {
  it('fills safe defaults', () => {
    const c = readEgressConfig(undefined);
    expect(c).toMatchObject({ enabled: false, host: '127.0.0.1', port: 3128, requireAuth: false, policy: { default: 'block' }, routes: EGRESS_DEFAULTS.routes });
    expect(c.gatewayUrl).toBeUndefined();
  });

  it('reads a full section and turns it into proxy options', () => {
    const c = readEgressConfig({
      enabled: true, host: '10.0.0.2', port: 3129, gatewayUrl: 'http://sluice:8080/', requireAuth: true,
      policy: { default: 'route', hosts: { '*.openai.azure.com': 'allow' }, signatures: { 'path:ollama-*': 'log' } },
      signatures: { hosts: ['llm.corp.example'] },
    });
    expect(c.gatewayUrl).toBe('http://sluice:8080');
    const o = egressOptionsFrom(c);
    expect(o).toMatchObject({ host: '10.0.0.2', port: 3129, requireAuth: true, gatewayUrl: 'http://sluice:8080' });
    expect(o.catalogue!.hosts.at(-1)).toEqual({ id: 'llm.corp.example', provider: 'custom', hosts: ['llm.corp.example'] });
  });

  const bad: Array<[string, unknown, string]> = [
    ['unknown key', { proxyPort: 1 }, 'egress.proxyPort: unknown key'],
    ['bad action', { policy: { default: 'drop' } }, 'egress.policy.default: expected one of: allow, log, block, route'],
    ['route without gateway', { policy: { default: 'route' } }, 'egress.policy.default: "route" needs egress.gatewayUrl'],
    ['bad host rule', { policy: { hosts: { 'api.*': 'allow' } } }, 'egress.policy.hosts.api.*: the last two labels of a glob must be literal'],
    ['bare glob', { policy: { hosts: { '*': 'allow' } } }, 'egress.policy.hosts.*: the last two labels of a glob must be literal'],
    ['non-canonical IPv4', { policy: { hosts: { '127.1': 'allow' } } }, 'egress.policy.hosts.127.1: write IPv4 addresses as four decimal numbers'],
    ['decimal IPv4', { policy: { hosts: { '2130706433:6379': 'allow' } } }, 'egress.policy.hosts.2130706433:6379: write IPv4 addresses as four decimal numbers'],
    ['bad CIDR', { policy: { hosts: { '10.0.0.0/33': 'allow' } } }, 'egress.policy.hosts.10.0.0.0/33: expected an IP address or CIDR range'],
    ['bad port', { policy: { hosts: { 'localhost:0': 'allow' } } }, 'egress.policy.hosts.localhost:0: expected a port between 1 and 65535'],
    ['IPv6 port without brackets', { policy: { hosts: { '::1:8080:x': 'allow' } } }, 'egress.policy.hosts.::1:8080:x: expected an IP address or CIDR range'],
    ['IPv4 in brackets', { policy: { hosts: { '[127.0.0.1]:80': 'allow' } } }, 'egress.policy.hosts.[127.0.0.1]:80: brackets are for IPv6 addresses only'],
    ['duplicate after normalising', { policy: { hosts: { localhost: 'allow', 'LOCALHOST.': 'block' } } }, 'egress.policy.hosts.LOCALHOST.: duplicate of another rule for "localhost"'],
    ['bad host action', { policy: { hosts: { localhost: 'open' } } }, 'egress.policy.hosts.localhost: expected one of: allow, log, block, route'],
    ['bad signature rule', { policy: { signatures: { 'openai': 'log' } } }, 'egress.policy.signatures.openai: expected a signature id'],
    ['gateway with credentials', { gatewayUrl: 'http://u:p@sluice' }, 'egress.gatewayUrl: expected an http(s) base URL'],
    ['bad route prefix', { routes: { openai: 'v1' } }, 'egress.routes.openai: expected a path prefix'],
    ['tiny inspect bound', { maxInspectBytes: 10 }, 'egress.maxInspectBytes: expected an integer from 1024 to 67108864, found 10'],
    ['bad signatures', { signatures: { hosts: [7] } }, 'egress.signatures.hosts[0]'],
  ];
  it.each(bad)('rejects %s', (_n, raw, message) => {
    let err: unknown;
    try {
      readEgressConfig(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(message);
  });
});

describe('egress host rules', () => {
  it('load from sluice.yaml, including localhost, ports and (quoted) bracketed IPv6', () => {
    const yaml = [
      'connections:',
      '  - { name: openai, provider: openai, baseUrl: "http://127.0.0.1:9/v1", credential: k }',
      'egress:',
      '  policy:',
      '    default: block',
      '    hosts:',
      '      localhost: allow',
      '      127.0.0.1:6379: block',
      '      redis.internal:6379: allow',
      '      10.20.0.0/16: allow',
      '      "[::1]:8080": allow',
      '      "*.svc.cluster.local": allow',
    ].join('\n');
    const { config } = parseConfig(yaml, '/etc/sluice.yaml', {});
    expect(Object.keys(readEgressConfig(config.egress).policy.hosts!)).toEqual(['localhost', '127.0.0.1:6379', 'redis.internal:6379', '10.20.0.0/16', '[::1]:8080', '*.svc.cluster.local']);
    let err: unknown;
    try {
      parseConfig(yaml.replace('localhost: allow', '127.1: allow'), '/etc/sluice.yaml', {});
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toContain('/etc/sluice.yaml:7:14: egress.policy.hosts.127.1: write IPv4 addresses as four decimal numbers');
  });

  it('loads rules for localhost, ports, addresses and ranges, keyed by their canonical form', () => {
    const c = readEgressConfig({
      policy: {
        hosts: {
          localhost: 'allow', 'LocalHost:6379': 'block', 'Redis.Internal.:6379': 'allow', '127.0.0.1:8080': 'allow', '10.0.0.0/8': 'allow',
          '::1': 'allow', '[::1]:8080': 'log', 'FD00::/8': 'block', '[fd00:ec2::254]': 'allow', '*.svc.cluster.local:443': 'allow', '::ffff:10.1.0.0/112': 'block',
        },
      },
    });
    expect(Object.keys(c.policy.hosts!)).toEqual([
      'localhost', 'localhost:6379', 'redis.internal:6379', '127.0.0.1:8080', '10.0.0.0/8', '::1', '[::1]:8080', 'fd00::/8', 'fd00:ec2::254', '*.svc.cluster.local:443', '10.1.0.0/16',
    ]);
  });

  const policy = compileEgressPolicy({
    default: 'block',
    hosts: {
      localhost: 'allow', 'localhost:6379': 'block', '*.corp.example': 'allow', '*.db.corp.example': 'log', '*.db.corp.example:5432': 'block',
      '10.0.0.0/8': 'allow', '10.1.0.0/16': 'log', '10.1.2.3:22': 'block', 'fd00::/8': 'allow',
    },
  });
  const names: Array<[string, number, string | undefined]> = [
    ['localhost', 80, 'host:localhost'], ['localhost', 6379, 'host:localhost:6379'],
    ['a.corp.example', 443, 'host:*.corp.example'], ['x.db.corp.example', 443, 'host:*.db.corp.example'], ['x.db.corp.example', 5432, 'host:*.db.corp.example:5432'],
    ['corp.example', 443, undefined], ['other.example', 443, undefined],
  ];
  it.each(names)('name %s:%i → %s', (host, port, rule) => {
    const r = policy.hosts.byName(host, port);
    expect(r ? `host:${r.pattern}` : undefined).toBe(rule);
  });
  const addresses: Array<[string, number, string | undefined]> = [
    ['10.9.9.9', 80, 'host:10.0.0.0/8'], ['10.1.9.9', 80, 'host:10.1.0.0/16'], ['10.1.2.3', 22, 'host:10.1.2.3:22'], ['10.1.2.3', 23, 'host:10.1.0.0/16'],
    ['::ffff:10.9.9.9', 80, 'host:10.0.0.0/8'], ['fd00::1', 80, 'host:fd00::/8'], ['11.0.0.1', 80, undefined], ['fe80::1', 80, undefined],
  ];
  it.each(addresses)('address %s:%i → %s', (ip, port, rule) => {
    const r = policy.hosts.byAddress(parseIp(ip)!, port);
    expect(r ? `host:${r.pattern}` : undefined).toBe(rule);
  });
  it('knows whether any address rule can permit a call (so resolving could matter)', () => {
    expect(policy.hosts.addressCanPermit).toBe(true);
    expect(compileEgressPolicy({ default: 'block', hosts: { '10.0.0.0/8': 'block', 'x.example': 'allow' } }).hosts.addressCanPermit).toBe(false);
  });
});

describe('egress policy fallback', () => {
  const c = (signatures: string[], matched = true) => ({ matched, signatures });
  const { fallback } = compileEgressPolicy({ default: 'log', signatures: { 'header:*': 'route', 'body:openai-messages': 'block' } });
  const cases: Array<[string[], boolean, string, string]> = [
    [['header:openai-key'], true, 'route', 'signature:header:*'],
    [['header:openai-key', 'body:openai-messages'], true, 'block', 'signature:body:openai-messages'],
    [['path:openai-chat'], true, 'log', 'default'],
    // Weak-only matches are not shadow calls: signature rules do not speak about them.
    [['header:azure-api-key'], false, 'log', 'default'],
  ];
  it.each(cases)('%j (matched %s) → %s', (sigs, matched, action, rule) => {
    expect(fallback(c(sigs, matched))).toEqual({ action, rule });
  });
});
