import { describe, expect, it } from 'vitest';
import { ConfigError, EGRESS_DEFAULTS, readEgressConfig } from '../../src/shadow/config.js';
import { egressOptionsFrom } from '../../src/shadow/proxy.js';
import { createEgressPolicy } from '../../src/shadow/policy.js';

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
    ['bad host rule', { policy: { hosts: { 'api.*': 'allow' } } }, 'egress.policy.hosts.api.*: the last two labels must be literal'],
    ['bad signature rule', { policy: { signatures: { 'openai': 'log' } } }, 'egress.policy.signatures.openai: expected a signature id'],
    ['gateway with credentials', { gatewayUrl: 'http://u:p@sluice' }, 'egress.gatewayUrl: expected an http(s) base URL'],
    ['bad route prefix', { routes: { openai: 'v1' } }, 'egress.routes.openai: expected a path prefix'],
    ['tiny inspect bound', { maxInspectBytes: 10 }, 'egress.maxInspectBytes: must be between 1024 and'],
    ['bad signatures', { signatures: { hosts: [7] } }, 'egress.signatures.hosts.0'],
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

describe('egress policy', () => {
  const c = (signatures: string[]) => ({ matched: true, signatures });
  const decide = createEgressPolicy({ default: 'log', hosts: { '*.openai.azure.com': 'allow' }, signatures: { 'header:*': 'route', 'body:openai-messages': 'block' } });
  const cases: Array<[string, string[], string, string]> = [
    ['x.openai.azure.com', ['host:azure-openai', 'body:openai-messages'], 'allow', 'host:*.openai.azure.com'],
    ['h', ['header:openai-key'], 'route', 'signature:header:*'],
    ['h', ['header:openai-key', 'body:openai-messages'], 'block', 'signature:body:openai-messages'],
    ['h', ['path:openai-chat'], 'log', 'default'],
  ];
  it.each(cases)('%s %j → %s', (host, sigs, action, rule) => {
    expect(decide(host, c(sigs))).toEqual({ action, rule });
  });
});
