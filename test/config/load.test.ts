import { describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from '../../src/config/load.js';

const minimal = `
connections:
  - name: openai
    provider: openai
    baseUrl: http://127.0.0.1:9/v1
    credential: \${KEY}
`;

function problems(text: string, env: Record<string, string> = { KEY: 'k' }): string[] {
  try {
    parseConfig(text, '/etc/sluice.yaml', env);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe('config loading', () => {
  it('applies frozen defaults and interpolates the environment', () => {
    const { config } = parseConfig(minimal, '/etc/sluice.yaml', { KEY: 'sk-live' });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080, engine: 'auto', allowSlowFallback: false });
    expect(config.connections[0]).toMatchObject({ credential: 'sk-live', default: true, rejectUnauthorized: true });
    expect(config.policies.dir).toBe('/etc/policies');
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('supports ${VAR:-default}', () => {
    const { config } = parseConfig(`server:\n  port: \${P:-9090}\n${minimal}`, '/x.yaml', { KEY: 'k' });
    expect(config.server.port).toBe(9090);
  });

  const cases: Array<[string, string, string]> = [
    ['missing env var', minimal, '/etc/sluice.yaml:6: connections.0.credential: environment variable KEY is not set'],
    ['unknown top-level key', `serve: {}\n${minimal}`, '/etc/sluice.yaml:1: serve: unknown key'],
    ['unknown nested key', `server:\n  prot: 1\n${minimal}`, '/etc/sluice.yaml:2: server.prot: unknown key'],
    ['bad port type', `server:\n  port: eighty\n${minimal}`, '/etc/sluice.yaml:2: server.port: expected an integer'],
    ['port out of range', `server:\n  port: 70000\n${minimal}`, 'server.port: must be between 0 and 65535'],
    ['bad boolean', `server:\n  allowSlowFallback: yes please\n${minimal}`, 'server.allowSlowFallback: expected true or false'],
    ['no connections', 'server: {}\n', 'connections: at least one connection is required'],
    ['bad provider', minimal.replace('provider: openai', 'provider: gemini'), 'connections.0.provider: expected one of: openai, anthropic'],
    ['bad url', minimal.replace('http://127.0.0.1:9/v1', 'not a url'), 'connections.0.baseUrl: is not a valid URL'],
    ['reserved name', minimal.replace('name: openai', 'name: sluice'), 'connections.0.name: must match'],
    ['duplicate names', `${minimal}  - name: openai\n    provider: openai\n    baseUrl: http://x/v1\n`, 'duplicate connection name "openai"'],
    ['threads', `inspection:\n  pool:\n    minThreads: 4\n    maxThreads: 2\n${minimal}`, 'inspection.pool.minThreads: must not exceed maxThreads'],
    ['bad engine', `server:\n  engine: fast\n${minimal}`, '/etc/sluice.yaml:2: server.engine: expected one of: auto, uws, node'],
    ['bad enum', `audit:\n  fsync: sometimes\n${minimal}`, 'audit.fsync: expected one of: always, group'],
    ['yaml syntax', 'server: [\n', 'invalid YAML'],
    ['identity section', `identity:\n  issuers:\n    - { issuer: "https://x", jwksUri: "https://x/k", audience: 1 }\n${minimal}`, '/etc/sluice.yaml:3: identity.issuers[0].audience: expected a string'],
    ['approvals section', `approvals:\n  bogus: 1\n${minimal}`, '/etc/sluice.yaml:2: approvals.bogus: unknown key'],
    ['redis url', `stores:\n  redis:\n    url: http://x\n${minimal}`, '/etc/sluice.yaml:3: stores.redis.url: must be a redis:// or rediss:// URL'],
    ['redis mode', `stores:\n  redis:\n    mode: ring\n    url: redis://x\n${minimal}`, '/etc/sluice.yaml:3: stores.redis.mode: expected one of: single, sentinel, cluster'],
    ['cluster without nodes', `stores:\n  redis:\n    mode: cluster\n    nodes: []\n${minimal}`, 'stores.redis.nodes: mode cluster needs at least one node URL'],
    ['cluster with url', `stores:\n  redis:\n    mode: cluster\n    url: redis://x\n    nodes: [redis://a:1]\n${minimal}`, 'stores.redis.url: is for mode single; mode cluster uses nodes'],
    ['cluster node url', `stores:\n  redis:\n    mode: cluster\n    nodes: [redis://a:1, http://b:2]\n${minimal}`, 'stores.redis.nodes.1: must be a redis:// or rediss:// URL'],
    ['sentinel master name', `stores:\n  redis:\n    mode: sentinel\n    nodes: [redis://s:26379]\n${minimal}`, 'stores.redis.masterName: '],
    ['egress section', `egress:\n  enabled: maybe\n${minimal}`, '/etc/sluice.yaml:2: egress.enabled: expected true or false'],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    const env: Record<string, string> = _name === 'missing env var' ? {} : { KEY: 'k' };
    const p = problems(text, env);
    expect(p.join('\n')).toContain(expected);
  });
});
