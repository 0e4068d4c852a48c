// The broken-document table: each broken sluice.yaml gives exactly this message at exactly this line and column.
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
    expect(config.connections[0]).toMatchObject({ credential: 'sk-live', default: true, rejectUnauthorized: true, credentialHeader: 'bearer', connectTimeoutMs: 10_000 });
    expect(config.policies.dir).toBe('/etc/policies');
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('reads a key with no value as absent', () => {
    const { config } = parseConfig(`server:\ninspection:\n  pool:\n${minimal}`, '/x.yaml', { KEY: 'k' });
    expect(config.server.port).toBe(8080);
    expect(config.inspection.pool.maxThreads).toBe(2);
  });

  it('types ${VAR} and ${VAR:-default} by the schema: integers, booleans, lists', () => {
    const text = `server:\n  port: \${P:-9090}\n  allowSlowFallback: \${SLOW:-false}\ninspection:\n  maskResponses: \${MASK}\n${minimal}`;
    const { config } = parseConfig(text, '/x.yaml', { KEY: 'k', MASK: 'false', SLOW: 'true' });
    expect(config.server.port).toBe(9090);
    expect(config.server.allowSlowFallback).toBe(true);
    expect(config.inspection.maskResponses).toBe(false);
    // A value that only looks like a number stays a string where the schema wants one.
    expect(parseConfig(minimal, '/x.yaml', { KEY: '12345' }).config.connections[0].credential).toBe('12345');
  });

  it('reports every problem at once, sorted by line', () => {
    const text = `logging:\n  level: loud\nserver:\n  port: -1\n  hots: x\n${minimal}`;
    expect(problems(text)).toEqual([
      '/etc/sluice.yaml:2:10: logging.level: expected one of: fatal, error, warn, info, debug, trace, silent, found "loud"',
      '/etc/sluice.yaml:4:9: server.port: expected an integer from 0 to 65535, found -1',
      '/etc/sluice.yaml:5:3: server.hots: unknown key, did you mean "host"? (expected one of: host, port, engine, threads, allowSlowFallback, maxHeaderBytes, maxBodyBytes, shutdownGraceMs, tls, admin)',
    ]);
  });

  const F = '/etc/sluice.yaml';
  const cases: Array<[string, string, string, Record<string, string>?]> = [
    ['unset env var', minimal, `${F}:6:17: connections[0].credential: environment variable KEY is not set and has no default`, {}],
    ['bad env value', `server:\n  port: \${PORT}\n${minimal}`, `${F}:2:9: server.port: expected an integer from 0 to 65535, found the value of environment variable PORT`, { KEY: 'k', PORT: 'eighty' }],
    ['bad env boolean', `server:\n  allowSlowFallback: \${SLOW:-maybe}\n${minimal}`, `${F}:2:22: server.allowSlowFallback: expected true or false, found the value of environment variable SLOW`],
    ['unknown top-level key', `serve: {}\n${minimal}`, `${F}:1:1: serve: unknown key, did you mean "server"? (expected one of: server, demo, identity, connections, routes, spend, inspection, policies, audit, approvals, egress, console, stores, logging, telemetry)`],
    ['misspelt nested key', `server:\n  prot: 1\n${minimal}`, `${F}:2:3: server.prot: unknown key, did you mean "port"? (expected one of: host, port, engine, threads, allowSlowFallback, maxHeaderBytes, maxBodyBytes, shutdownGraceMs, tls, admin)`],
    ['wrong case', `server:\n  Port: 1\n${minimal}`, `${F}:2:3: server.Port: unknown key, did you mean "port"? (expected one of: host, port, engine, threads, allowSlowFallback, maxHeaderBytes, maxBodyBytes, shutdownGraceMs, tls, admin)`],
    ['wrong type', `server:\n  port: eighty\n${minimal}`, `${F}:2:9: server.port: expected an integer from 0 to 65535, found "eighty"`],
    ['quoted number', `server:\n  port: "8080"\n${minimal}`, `${F}:2:9: server.port: expected an integer from 0 to 65535, found "8080"`],
    ['out of range', `server:\n  port: 70000\n${minimal}`, `${F}:2:9: server.port: expected an integer from 0 to 65535, found 70000`],
    ['not a boolean', `server:\n  allowSlowFallback: yes please\n${minimal}`, `${F}:2:22: server.allowSlowFallback: expected true or false, found "yes please"`],
    ['section not a mapping', `server: [1]\n${minimal}`, `${F}:1:9: server: expected a mapping, found a list`],
    ['missing required section', 'server: {}\n', `${F}:1:1: connections: is required`],
    ['empty connection list', 'connections: []\n', `${F}:1:14: connections: at least one connection is required`],
    ['missing required key', minimal.replace('    provider: openai\n', ''), `${F}:3:5: connections[0].provider: is required`],
    ['bad enum', minimal.replace('provider: openai', 'provider: gemini'), `${F}:4:15: connections[0].provider: expected one of: openai, anthropic, found "gemini"`],
    ['bad url', minimal.replace('http://127.0.0.1:9/v1', 'not a url'), `${F}:5:14: connections[0].baseUrl: expected an http(s) URL, found "not a url"`],
    ['reserved name', minimal.replace('name: openai', 'name: sluice'), `${F}:3:11: connections[0].name: expected a name that is not a reserved path (v1, sluice, healthz, readyz, metrics), found "sluice"`],
    ['bad name', minimal.replace('name: openai', 'name: Open_AI'), `${F}:3:11: connections[0].name: expected a name of lower-case letters, digits and -, starting with a letter (at most 32), found "Open_AI"`],
    ['duplicate names', `${minimal}  - name: openai\n    provider: openai\n    baseUrl: http://x/v1\n`, `${F}:7:11: connections[1].name: duplicate connection name "openai"`],
    ['two defaults', `${minimal}    default: true\n  - name: b\n    provider: openai\n    baseUrl: http://x/v1\n    default: true\n`, `${F}:3:3: connections: only one connection may be marked default`],
    ['threads', `inspection:\n  pool:\n    minThreads: 4\n    maxThreads: 2\n${minimal}`, `${F}:3:17: inspection.pool.minThreads: must not exceed maxThreads`],
    ['bad engine', `server:\n  engine: fast\n${minimal}`, `${F}:2:11: server.engine: expected one of: auto, uws, node, found "fast"`],
    ['demo client without groups', `demo:\n  clients:\n    - { id: job-a, secret: a-long-enough-secret, groups: [] }\n${minimal}`, `${F}:3:58: demo.clients[0].groups: at least one group is required`],
    ['short demo client secret', `demo:\n  clients:\n    - { id: job-a, secret: short, groups: [g] }\n${minimal}`, `${F}:3:28: demo.clients[0].secret: must be at least 16 characters, found a value that is not shown (secret)`],
    ['bad audit enum', `audit:\n  fsync: sometimes\n${minimal}`, `${F}:2:10: audit.fsync: expected one of: always, group, found "sometimes"`],
    ['yaml syntax error', 'server: [\n', `${F}:2:1: (root): invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`],
    ['duplicate yaml key', `server: {}\nserver: {}\n${minimal}`, `${F}:2:1: (root): invalid YAML: Map keys must be unique`],
    ['redis url never quoted', `stores:\n  redis:\n    url: http://user:hunter2@x\n${minimal}`, `${F}:3:10: stores.redis.url: expected a redis:// or rediss:// URL, found a value that is not shown (secret)`],
    ['redis mode', `stores:\n  redis:\n    mode: ring\n    url: redis://x\n${minimal}`, `${F}:3:11: stores.redis.mode: expected one of: single, sentinel, cluster, found "ring"`],
    ['redis single without url', `stores:\n  redis:\n    keyPrefix: x\n${minimal}`, `${F}:3:5: stores.redis.url: is required`],
    ['cluster without nodes', `stores:\n  redis:\n    mode: cluster\n    nodes: []\n${minimal}`, `${F}:4:12: stores.redis.nodes: mode cluster needs at least one node URL`],
    ['cluster with url', `stores:\n  redis:\n    mode: cluster\n    url: redis://x\n    nodes: [redis://a:1]\n${minimal}`, `${F}:4:10: stores.redis.url: is for mode single; mode cluster uses nodes`],
    ['cluster node url', `stores:\n  redis:\n    mode: cluster\n    nodes: [redis://a:1, http://b:2]\n${minimal}`, `${F}:4:26: stores.redis.nodes[1]: expected a redis:// or rediss:// URL, found a value that is not shown (secret)`],
    ['sentinel master name', `stores:\n  redis:\n    mode: sentinel\n    nodes: [redis://s:26379]\n${minimal}`, `${F}:3:5: stores.redis.masterName: is required`],
    ['identity section', `identity:\n  issuers:\n    - { issuer: "https://x", jwksUri: "https://x/k", audience: 1 }\n${minimal}`, `${F}:3:64: identity.issuers[0].audience: expected a string or a list of non-empty strings, found 1`],
    ['approvals section', `approvals:\n  bogus: 1\n${minimal}`, `${F}:2:3: approvals.bogus: unknown key (expected one of: defaultTimeoutSeconds, retainSeconds, maxRecords, maxGrants, maxGrantMinutes, promptBytes, rejoinSeconds, publicUrl, webhook)`],
    ['egress section', `egress:\n  enabled: maybe\n${minimal}`, `${F}:2:12: egress.enabled: expected true or false, found "maybe"`],
    ['route to an unknown connection', `routes:\n  models:\n    m:\n      - connection: nope\n${minimal}`, `${F}:4:21: routes.models.m[0].connection: unknown connection "nope" (expected one of: openai)`],
    ['route weight', `routes:\n  models:\n    m:\n      - { connection: openai, weight: 0 }\n${minimal}`, `${F}:4:39: routes.models.m[0].weight: expected an integer from 1 to 1000000, found 0`],
    ['route strategy', `routes:\n  strategy: random\n${minimal}`, `${F}:2:13: routes.strategy: expected one of: weighted, least-in-flight, lowest-latency, found "random"`],
    ['alias of an unknown model', `routes:\n  models:\n    m: [{ connection: openai }]\n  aliases:\n    fast: n\n${minimal}`, `${F}:5:11: routes.aliases.fast: unknown model "n" (an alias names a key of routes.models)`],
    ['alias shadows a model', `routes:\n  models:\n    m: [{ connection: openai }]\n  aliases:\n    m: m\n${minimal}`, `${F}:5:8: routes.aliases.m: "m" is a model in routes.models; an alias must be another name`],
    ['fallback to itself', `routes:\n  models:\n    m: [{ connection: openai }]\n  fallbacks:\n    m: [m]\n${minimal}`, `${F}:5:9: routes.fallbacks.m[0]: "m" cannot fall back to itself`],
    ['fallback to an unknown model', `routes:\n  models:\n    m: [{ connection: openai }]\n  fallbacks:\n    m: [n]\n${minimal}`, `${F}:5:9: routes.fallbacks.m[0]: unknown model "n" (a fallback names a key of routes.models)`],
    ['strategy of an unknown model', `routes:\n  strategies:\n    m: weighted\n${minimal}`, `${F}:3:8: routes.strategies.m: unknown model "m" (expected a key of routes.models)`],
    ['one provider kind per model', `routes:\n  models:\n    m: [{ connection: openai }, { connection: claude }]\n${minimal}  - name: claude\n    provider: anthropic\n    baseUrl: http://x/v1\n`, `${F}:3:47: routes.models.m[1].connection: connection "claude" is anthropic but the other targets of "m" are openai: one provider kind per model`],
    ['fallback across provider kinds', `routes:\n  models:\n    m: [{ connection: openai }]\n    c: [{ connection: claude }]\n  fallbacks:\n    m: [c]\n${minimal}  - name: claude\n    provider: anthropic\n    baseUrl: http://x/v1\n`, `${F}:6:9: routes.fallbacks.m[0]: "c" is served by anthropic connections, "m" by openai: a fallback keeps the provider kind`],
    ['empty target list', `routes:\n  models:\n    m: []\n${minimal}`, `${F}:3:8: routes.models.m: must not be empty`],
    ['spend currency', `spend:\n  currency: dollars\n${minimal}`, `${F}:2:13: spend.currency: expected a three-letter currency code, found "dollars"`],
    ['negative price', `spend:\n  prices:\n    m: { input: -1, output: 1 }\n${minimal}`, `${F}:3:17: spend.prices.m.input: expected a price >= 0, found -1`],
    ['price without output', `spend:\n  prices:\n    m: { input: 1 }\n${minimal}`, `${F}:3:8: spend.prices.m.output: is required`],
    ['duplicate budget id', `spend:\n  budgets:\n    - { id: a, per: job, amount: 1, period: day }\n    - { id: a, per: job, amount: 1, period: month }\n${minimal}`, `${F}:4:13: spend.budgets[1].id: duplicate budget id "a"`],
    ['budget per', `spend:\n  budgets:\n    - { id: a, per: team, amount: 1, period: day }\n${minimal}`, `${F}:3:21: spend.budgets[0].per: expected one of: subject, job, group, found "team"`],
    ['budget period', `spend:\n  budgets:\n    - { id: a, per: job, amount: 1, period: week }\n${minimal}`, `${F}:3:45: spend.budgets[0].period: expected one of: day, month, found "week"`],
  ];
  it.each(cases)('%s', (_name, text, expected, env) => {
    const got = problems(text, env ?? { KEY: 'k' });
    expect(got, `got:\n${got.join('\n')}`).toContain(expected);
  });
});
