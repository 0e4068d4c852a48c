// The `egress` section of sluice.yaml: typed, frozen defaults and validation with messages naming the key.
import { Reader, ConfigError } from '../config/check.js';
import { readSignatures, type SignatureCatalogue } from './catalogue.js';
import { SHADOW_ACTIONS, type EgressPolicy, type ShadowAction } from './policy.js';
import { parseHostRule } from './rules.js';

export interface EgressConfig {
  enabled: boolean;
  /** Listen address: the proxy binds here only. */
  host: string;
  port: number;
  /** Sluice's own base URL: named in block messages and the target of `route`. */
  gatewayUrl?: string;
  /** Refuse (407) callers without Proxy-Authorization instead of recording their address only. */
  requireAuth: boolean;
  policy: EgressPolicy;
  /** Gateway path prefixes per API shape for `route` (`/v1/messages` → `${anthropic}/messages`). */
  routes: { openai: string; anthropic: string };
  /** Request body bytes inspected for signatures (the rest streams through unread). */
  maxInspectBytes: number;
  connectTimeoutMs: number;
  /** Upstream response headers and body idle limit for plain-HTTP forwarding. */
  upstreamTimeoutMs: number;
  /** Idle CONNECT tunnels are closed after this long (0 = never). */
  tunnelIdleMs: number;
  /** Distinct (source, host) pairs kept for `GET /sluice/shadow`. */
  summaryMaxPairs: number;
  /** Extension to the shipped catalogue. */
  signatures: SignatureCatalogue;
}

export const EGRESS_DEFAULTS = Object.freeze({
  enabled: false,
  host: '127.0.0.1',
  port: 3128,
  requireAuth: false,
  defaultAction: 'block' as ShadowAction,
  routes: Object.freeze({ openai: '/v1', anthropic: '/anthropic/v1' }),
  maxInspectBytes: 1024 * 1024,
  connectTimeoutMs: 10_000,
  upstreamTimeoutMs: 300_000,
  tunnelIdleMs: 300_000,
  summaryMaxPairs: 10_000,
});

const KEYS = ['enabled', 'host', 'port', 'gatewayUrl', 'requireAuth', 'policy', 'routes', 'maxInspectBytes', 'connectTimeoutMs', 'upstreamTimeoutMs', 'tunnelIdleMs', 'summaryMaxPairs', 'signatures'] as const;

/** Reads `egress`; with no Reader given, throws ConfigError listing every problem. */
export function readEgressConfig(raw: unknown, reader?: Reader): EgressConfig {
  const r = reader ?? new Reader();
  const p = ['egress'];
  const o = r.obj(raw, p, KEYS);
  const d = EGRESS_DEFAULTS;
  const cfg: EgressConfig = {
    enabled: r.bool(o.enabled, [...p, 'enabled'], d.enabled),
    host: r.str(o.host, [...p, 'host'], d.host),
    port: r.int(o.port, [...p, 'port'], d.port, 0, 65535),
    gatewayUrl: readUrl(r, o.gatewayUrl, [...p, 'gatewayUrl']),
    requireAuth: r.bool(o.requireAuth, [...p, 'requireAuth'], d.requireAuth),
    policy: readPolicy(r, o.policy, [...p, 'policy']),
    routes: readRoutes(r, o.routes, [...p, 'routes']),
    maxInspectBytes: r.int(o.maxInspectBytes, [...p, 'maxInspectBytes'], d.maxInspectBytes, 1024, 64 * 1024 * 1024),
    connectTimeoutMs: r.int(o.connectTimeoutMs, [...p, 'connectTimeoutMs'], d.connectTimeoutMs, 100, 120_000),
    upstreamTimeoutMs: r.int(o.upstreamTimeoutMs, [...p, 'upstreamTimeoutMs'], d.upstreamTimeoutMs, 1000, 3_600_000),
    tunnelIdleMs: r.int(o.tunnelIdleMs, [...p, 'tunnelIdleMs'], d.tunnelIdleMs, 0, 86_400_000),
    summaryMaxPairs: r.int(o.summaryMaxPairs, [...p, 'summaryMaxPairs'], d.summaryMaxPairs, 1, 10_000_000),
    signatures: readSignatures(o.signatures, r, [...p, 'signatures']),
  };
  if (cfg.policy.default === 'route' && !cfg.gatewayUrl) r.fail([...p, 'policy', 'default'], '"route" needs egress.gatewayUrl');
  if (!reader) r.done();
  return cfg;
}

function readUrl(r: Reader, v: unknown, at: string[]): string | undefined {
  const s = r.optStr(v, at);
  if (s === undefined) return undefined;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    if (u.search || u.hash || u.username || u.password) throw new Error('extra parts');
  } catch {
    r.fail(at, 'expected an http(s) base URL without query, fragment or credentials');
    return undefined;
  }
  return s.replace(/\/+$/, '');
}

function readPolicy(r: Reader, v: unknown, at: string[]): EgressPolicy {
  const o = r.obj(v, at, ['default', 'hosts', 'signatures']);
  const map = (key: 'hosts' | 'signatures') => r.obj(o[key], [...at, key], Object.keys((o[key] as object) ?? {}));
  // Host rules are keyed by their canonical form, so `LOCALHOST.` and `localhost` are one rule, not two.
  const hosts: Record<string, ShadowAction> = {};
  for (const [k, a] of Object.entries(map('hosts'))) {
    const action = r.oneOf(a, [...at, 'hosts', k], SHADOW_ACTIONS);
    const rule = parseHostRule(k, action);
    if (typeof rule === 'string') r.fail([...at, 'hosts', k], rule);
    else if (rule.pattern in hosts) r.fail([...at, 'hosts', k], `duplicate of another rule for "${rule.pattern}"`);
    else hosts[rule.pattern] = action;
  }
  const signatures: Record<string, ShadowAction> = {};
  for (const [k, a] of Object.entries(map('signatures'))) {
    if (!/^(host|path|header|body|\*):?[a-z0-9._*-]*$/i.test(k)) r.fail([...at, 'signatures', k], 'expected a signature id such as "host:openai" or a glob such as "header:*"');
    signatures[k.toLowerCase()] = r.oneOf(a, [...at, 'signatures', k], SHADOW_ACTIONS);
  }
  return { default: r.oneOf(o.default, [...at, 'default'], SHADOW_ACTIONS, EGRESS_DEFAULTS.defaultAction), hosts, signatures };
}

function readRoutes(r: Reader, v: unknown, at: string[]): { openai: string; anthropic: string } {
  const o = r.obj(v, at, ['openai', 'anthropic']);
  const prefix = (key: 'openai' | 'anthropic') => {
    const s = r.str(o[key], [...at, key], EGRESS_DEFAULTS.routes[key]);
    if (!/^(\/[A-Za-z0-9._-]+)+$/.test(s)) r.fail([...at, key], 'expected a path prefix such as "/v1"');
    return s;
  };
  return { openai: prefix('openai'), anthropic: prefix('anthropic') };
}

export { ConfigError };
