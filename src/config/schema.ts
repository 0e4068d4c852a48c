// The shape of sluice.yaml: typed, frozen defaults, validated with messages naming the key.
import type { ProviderKind } from '../types.js';
import { Reader } from './check.js';
import { readIdentityConfig } from '../auth/config.js';
import { readApprovalsConfig } from '../approval/config.js';
import { readEgressConfig } from '../shadow/config.js';
import { readConsoleConfig } from '../console/config.js';

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  passphrase?: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** HTTP front end: native uWebSockets.js where a build loads (`auto` falls back to node:http), or forced. */
  engine: 'auto' | 'uws' | 'node';
  /** Deprecated, no effect: the uWS JS fallback never runs (the node engine replaces it). Accepted so old files load. */
  allowSlowFallback: boolean;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  shutdownGraceMs: number;
  tls?: TlsConfig;
}

export interface ConnectionConfig {
  name: string;
  provider: ProviderKind;
  baseUrl: string;
  /** The provider secret Sluice injects; callers never see it. */
  credential: string;
  /** How the credential is sent: `bearer` (Authorization), `x-api-key` (Anthropic), `api-key` (Azure OpenAI). */
  credentialHeader: 'bearer' | 'x-api-key' | 'api-key';
  default: boolean;
  anthropicVersion: string;
  /** Extra headers sent upstream (e.g. OpenAI-Organization). */
  headers: Record<string, string>;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connections: number;
  keepAliveTimeoutMs: number;
  rejectUnauthorized: boolean;
  caFile?: string;
}

export interface InspectionConfig {
  /** Bodies smaller than this are scanned inline on the main thread; larger ones in the pool. */
  inlineBelowBytes: number;
  /** Characters per response stream held back while they could still start a match (0 = engine default). */
  responseHoldBack: number;
  maskResponses: boolean;
  pool: {
    minThreads: number;
    maxThreads: number;
    idleTimeoutMs: number;
    maxQueue: number;
    concurrentTasksPerWorker: number;
    taskTimeoutMs: number;
  };
}

export interface AuditConfig {
  enabled: boolean;
  dir: string;
  fsync: 'always' | 'group';
  groupCommitMs: number;
  payloads: 'full' | 'truncated' | 'none';
  truncateBytes: number;
  rotateBytes: number;
  checkpointEvery: number;
  checkpointSeconds: number;
  signingKeyFile?: string;
}

export interface DemoConfig {
  enabled: boolean;
  dir: string;
  mockProviderPort: number;
  /** OAuth2 client_credentials clients of the demo issuer's token endpoint (`POST /sluice/demo/token`). */
  clients: DemoClientConfig[];
}

/** A service account of the demo issuer, like a Keycloak/Okta/Entra/Auth0 client-credentials client. */
export interface DemoClientConfig {
  id: string;
  secret: string;
  groups: string[];
  /** Token subject; default: the client id. */
  subject: string;
  /** The job the token names (`azp`); default: the client id. */
  job: string;
  ttlSeconds: number;
}

export interface RedisStoreConfig {
  /** `single` (url), `sentinel` (nodes = sentinels, masterName) or `cluster` (nodes = seed nodes). */
  mode: 'single' | 'sentinel' | 'cluster';
  url?: string;
  nodes?: string[];
  masterName?: string;
  keyPrefix: string;
  failOpen: boolean;
}

export interface StoresConfig {
  /** Shared state for several instances (quotas, token vault, approvals). Absent: in-memory, per instance. */
  redis?: RedisStoreConfig;
}

export interface SluiceConfig {
  server: ServerConfig;
  demo: DemoConfig;
  /** Validated by auth/ (kept opaque here so the sections stay independent). */
  identity: unknown;
  connections: ConnectionConfig[];
  inspection: InspectionConfig;
  policies: { dir: string; watch: boolean; secret: string };
  audit: AuditConfig;
  approvals: unknown;
  egress: unknown;
  /** Validated by console/ (the reviewer console). */
  console: unknown;
  stores: StoresConfig;
  logging: { level: string };
}

const SECTIONS = ['server', 'demo', 'identity', 'connections', 'inspection', 'policies', 'audit', 'approvals', 'egress', 'console', 'stores', 'logging'] as const;
const NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;
// Paths the gateway owns; a connection may not shadow them.
const RESERVED_NAMES = new Set(['v1', 'sluice', 'healthz', 'readyz', 'metrics']);

export function readConfig(raw: unknown, r: Reader): SluiceConfig {
  const top = r.obj(raw, [], SECTIONS);
  // Sections owned by other steps are validated here too, so `check-config` reports every problem at once
  // (each step re-reads its raw section at start, e.g. auth adds the demo issuer first).
  readIdentityConfig(top.identity ?? {}, r, ['identity']);
  readApprovalsConfig(top.approvals ?? {}, r, ['approvals']);
  readEgressConfig(top.egress ?? {}, r);
  readConsoleConfig(top.console ?? {}, r, ['console']);
  const cfg: SluiceConfig = {
    server: readServer(r, top.server),
    demo: readDemo(r, top.demo),
    identity: top.identity ?? {},
    connections: readConnections(r, top.connections),
    inspection: readInspection(r, top.inspection),
    policies: readPolicies(r, top.policies),
    audit: readAudit(r, top.audit),
    approvals: top.approvals ?? {},
    egress: top.egress ?? {},
    console: top.console ?? {},
    stores: readStores(r, top.stores),
    logging: readLogging(r, top.logging),
  };
  return cfg;
}

function readServer(r: Reader, v: unknown): ServerConfig {
  const p = ['server'];
  const o = r.obj(v, p, ['host', 'port', 'engine', 'allowSlowFallback', 'maxHeaderBytes', 'maxBodyBytes', 'shutdownGraceMs', 'tls']);
  let tls: TlsConfig | undefined;
  if (o.tls !== undefined && o.tls !== null) {
    const t = r.obj(o.tls, [...p, 'tls'], ['certFile', 'keyFile', 'passphrase']);
    tls = { certFile: r.str(t.certFile, [...p, 'tls', 'certFile']), keyFile: r.str(t.keyFile, [...p, 'tls', 'keyFile']), passphrase: r.optStr(t.passphrase, [...p, 'tls', 'passphrase']) };
  }
  return {
    host: r.str(o.host, [...p, 'host'], '127.0.0.1'),
    port: r.int(o.port, [...p, 'port'], 8080, 0, 65535),
    engine: r.oneOf(o.engine, [...p, 'engine'], ['auto', 'uws', 'node'] as const, 'auto'),
    allowSlowFallback: r.bool(o.allowSlowFallback, [...p, 'allowSlowFallback'], false),
    maxHeaderBytes: r.int(o.maxHeaderBytes, [...p, 'maxHeaderBytes'], 16 * 1024, 1024, 1024 * 1024),
    maxBodyBytes: r.int(o.maxBodyBytes, [...p, 'maxBodyBytes'], 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    shutdownGraceMs: r.int(o.shutdownGraceMs, [...p, 'shutdownGraceMs'], 10_000, 0, 600_000),
    tls,
  };
}

function readDemo(r: Reader, v: unknown): DemoConfig {
  const o = r.obj(v, ['demo'], ['enabled', 'dir', 'mockProviderPort', 'clients']);
  return {
    enabled: r.bool(o.enabled, ['demo', 'enabled'], false),
    dir: r.str(o.dir, ['demo', 'dir'], '.sluice/demo'),
    mockProviderPort: r.int(o.mockProviderPort, ['demo', 'mockProviderPort'], 9901, 0, 65535),
    clients: readDemoClients(r, o.clients),
  };
}

// Client ids become the job name, so they follow the same rule as x-sluice-job / x-sluice-session values.
const CLIENT_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const MIN_CLIENT_SECRET = 16;

function readDemoClients(r: Reader, v: unknown): DemoClientConfig[] {
  const seen = new Set<string>();
  return r.arr(v, ['demo', 'clients']).map((item, i) => {
    const p = ['demo', 'clients', String(i)];
    const o = r.obj(item, p, ['id', 'secret', 'groups', 'subject', 'job', 'ttlSeconds']);
    const id = r.str(o.id, [...p, 'id']);
    if (id && !CLIENT_ID_RE.test(id)) r.fail([...p, 'id'], 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    if (seen.has(id)) r.fail([...p, 'id'], `duplicate client id "${id}"`);
    seen.add(id);
    const secret = r.str(o.secret, [...p, 'secret']);
    if (typeof o.secret === 'string' && secret.length < MIN_CLIENT_SECRET) r.fail([...p, 'secret'], `must be at least ${MIN_CLIENT_SECRET} characters`);
    const groups = r.arr(o.groups, [...p, 'groups']).map((g, j) => r.str(g, [...p, 'groups', String(j)]));
    if (groups.length === 0) r.fail([...p, 'groups'], 'at least one group is required');
    const job = r.str(o.job, [...p, 'job'], id);
    if (job && !CLIENT_ID_RE.test(job)) r.fail([...p, 'job'], 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    return {
      id,
      secret,
      groups,
      subject: r.str(o.subject, [...p, 'subject'], id) || id,
      job,
      // Short by default, like most IdPs' service-account tokens (Keycloak: 5 min), so jobs exercise refresh.
      ttlSeconds: r.int(o.ttlSeconds, [...p, 'ttlSeconds'], 300, 1, 86_400),
    };
  });
}

function readConnections(r: Reader, v: unknown): ConnectionConfig[] {
  const list = r.arr(v, ['connections']);
  if (list.length === 0) r.fail(['connections'], 'at least one connection is required');
  const out = list.map((item, i) => readConnection(r, item, ['connections', String(i)]));
  const names = new Set<string>();
  out.forEach((c, i) => {
    if (names.has(c.name)) r.fail(['connections', String(i), 'name'], `duplicate connection name "${c.name}"`);
    names.add(c.name);
  });
  const defaults = out.filter((c) => c.default);
  if (defaults.length > 1) r.fail(['connections'], 'only one connection may be marked default');
  if (defaults.length === 0 && out.length > 0) out[0].default = true;
  return out;
}

function readConnection(r: Reader, v: unknown, p: string[]): ConnectionConfig {
  const o = r.obj(v, p, ['name', 'provider', 'baseUrl', 'credential', 'credentialHeader', 'default', 'anthropicVersion', 'headers', 'timeouts', 'pool', 'tls']);
  const name = r.str(o.name, [...p, 'name']);
  if (name && (!NAME_RE.test(name) || RESERVED_NAMES.has(name))) r.fail([...p, 'name'], 'must match [a-z][a-z0-9-]* and not be a reserved path (v1, sluice, healthz, readyz, metrics)');
  const baseUrl = r.str(o.baseUrl, [...p, 'baseUrl']);
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') r.fail([...p, 'baseUrl'], 'must be an http(s) URL');
  } catch {
    if (baseUrl) r.fail([...p, 'baseUrl'], 'is not a valid URL');
  }
  const t = r.obj(o.timeouts, [...p, 'timeouts'], ['connectMs', 'headersMs', 'bodyMs']);
  const pool = r.obj(o.pool, [...p, 'pool'], ['connections', 'keepAliveTimeoutMs']);
  const tls = r.obj(o.tls, [...p, 'tls'], ['rejectUnauthorized', 'caFile']);
  const provider = r.oneOf(o.provider, [...p, 'provider'], ['openai', 'anthropic'] as const);
  return {
    name,
    provider,
    credentialHeader: r.oneOf(o.credentialHeader, [...p, 'credentialHeader'], ['bearer', 'x-api-key', 'api-key'] as const, provider === 'anthropic' ? 'x-api-key' : 'bearer'),
    baseUrl: baseUrl.replace(/\/+$/, ''),
    credential: r.str(o.credential, [...p, 'credential'], ''),
    default: r.bool(o.default, [...p, 'default'], false),
    anthropicVersion: r.str(o.anthropicVersion, [...p, 'anthropicVersion'], '2023-06-01'),
    headers: r.strMap(o.headers, [...p, 'headers']),
    connectTimeoutMs: r.int(t.connectMs, [...p, 'timeouts', 'connectMs'], 10_000, 1),
    headersTimeoutMs: r.int(t.headersMs, [...p, 'timeouts', 'headersMs'], 120_000, 1),
    bodyTimeoutMs: r.int(t.bodyMs, [...p, 'timeouts', 'bodyMs'], 300_000, 1),
    connections: r.int(pool.connections, [...p, 'pool', 'connections'], 128, 1, 65_536),
    keepAliveTimeoutMs: r.int(pool.keepAliveTimeoutMs, [...p, 'pool', 'keepAliveTimeoutMs'], 30_000, 1),
    rejectUnauthorized: r.bool(tls.rejectUnauthorized, [...p, 'tls', 'rejectUnauthorized'], true),
    caFile: r.optStr(tls.caFile, [...p, 'tls', 'caFile']),
  };
}

function readInspection(r: Reader, v: unknown): InspectionConfig {
  const p = ['inspection'];
  const o = r.obj(v, p, ['inlineBelowBytes', 'responseHoldBack', 'maskResponses', 'pool']);
  const q = r.obj(o.pool, [...p, 'pool'], ['minThreads', 'maxThreads', 'idleTimeoutMs', 'maxQueue', 'concurrentTasksPerWorker', 'taskTimeoutMs']);
  const pp = [...p, 'pool'];
  const minThreads = r.int(q.minThreads, [...pp, 'minThreads'], 1, 0, 256);
  const maxThreads = r.int(q.maxThreads, [...pp, 'maxThreads'], 2, 1, 256);
  if (minThreads > maxThreads) r.fail([...pp, 'minThreads'], 'must not exceed maxThreads');
  return {
    inlineBelowBytes: r.int(o.inlineBelowBytes, [...p, 'inlineBelowBytes'], 64 * 1024, 0),
    responseHoldBack: r.int(o.responseHoldBack, [...p, 'responseHoldBack'], 0, 0, 65_536),
    maskResponses: r.bool(o.maskResponses, [...p, 'maskResponses'], true),
    pool: {
      minThreads,
      maxThreads,
      idleTimeoutMs: r.int(q.idleTimeoutMs, [...pp, 'idleTimeoutMs'], 30_000, 0),
      maxQueue: r.int(q.maxQueue, [...pp, 'maxQueue'], 256, 1),
      concurrentTasksPerWorker: r.int(q.concurrentTasksPerWorker, [...pp, 'concurrentTasksPerWorker'], 1, 1, 64),
      taskTimeoutMs: r.int(q.taskTimeoutMs, [...pp, 'taskTimeoutMs'], 5_000, 1),
    },
  };
}

function readPolicies(r: Reader, v: unknown): SluiceConfig['policies'] {
  const o = r.obj(v, ['policies'], ['dir', 'watch', 'secret']);
  return {
    dir: r.str(o.dir, ['policies', 'dir'], 'policies'),
    watch: r.bool(o.watch, ['policies', 'watch'], true),
    // HMAC key for `hash`/`tokenize`; a random one per start is safe but makes tokens unstable across restarts.
    secret: r.str(o.secret, ['policies', 'secret'], ''),
  };
}

function readAudit(r: Reader, v: unknown): AuditConfig {
  const p = ['audit'];
  const o = r.obj(v, p, ['enabled', 'dir', 'fsync', 'groupCommitMs', 'payloads', 'truncateBytes', 'rotateBytes', 'checkpointEvery', 'checkpointSeconds', 'signingKeyFile']);
  return {
    enabled: r.bool(o.enabled, [...p, 'enabled'], true),
    dir: r.str(o.dir, [...p, 'dir'], '.sluice/audit'),
    fsync: r.oneOf(o.fsync, [...p, 'fsync'], ['always', 'group'] as const, 'group'),
    groupCommitMs: r.int(o.groupCommitMs, [...p, 'groupCommitMs'], 5, 1, 10_000),
    payloads: r.oneOf(o.payloads, [...p, 'payloads'], ['full', 'truncated', 'none'] as const, 'truncated'),
    truncateBytes: r.int(o.truncateBytes, [...p, 'truncateBytes'], 4096, 0),
    rotateBytes: r.int(o.rotateBytes, [...p, 'rotateBytes'], 64 * 1024 * 1024, 4096),
    checkpointEvery: r.int(o.checkpointEvery, [...p, 'checkpointEvery'], 1000, 1),
    checkpointSeconds: r.int(o.checkpointSeconds, [...p, 'checkpointSeconds'], 60, 1),
    signingKeyFile: r.optStr(o.signingKeyFile, [...p, 'signingKeyFile']),
  };
}

function readStores(r: Reader, v: unknown): StoresConfig {
  const o = r.obj(v, ['stores'], ['redis']);
  if (o.redis === undefined || o.redis === null) return {};
  const p = ['stores', 'redis'];
  const x = r.obj(o.redis, p, ['mode', 'url', 'nodes', 'masterName', 'keyPrefix', 'failOpen']);
  const mode = r.oneOf(x.mode, [...p, 'mode'], ['single', 'sentinel', 'cluster'] as const, 'single');
  const redisUrl = (u: string, at: string[]) => {
    if (u && !/^rediss?:\/\//.test(u)) r.fail(at, 'must be a redis:// or rediss:// URL');
    return u;
  };
  const base = { mode, keyPrefix: r.str(x.keyPrefix, [...p, 'keyPrefix'], 'sluice:'), failOpen: r.bool(x.failOpen, [...p, 'failOpen'], true) };
  if (mode === 'single') {
    if (x.nodes !== undefined) r.fail([...p, 'nodes'], 'is for mode sentinel or cluster; mode single uses url');
    return { redis: { ...base, url: redisUrl(r.str(x.url, [...p, 'url']), [...p, 'url']) } };
  }
  if (x.url !== undefined) r.fail([...p, 'url'], `is for mode single; mode ${mode} uses nodes`);
  const list = r.arr(x.nodes, [...p, 'nodes']);
  if (list.length === 0) r.fail([...p, 'nodes'], `mode ${mode} needs at least one node URL`);
  const nodes = list.map((n, i) => redisUrl(r.str(n, [...p, 'nodes', String(i)]), [...p, 'nodes', String(i)]));
  if (mode === 'cluster') {
    if (x.masterName !== undefined) r.fail([...p, 'masterName'], 'is for mode sentinel');
    return { redis: { ...base, nodes } };
  }
  return { redis: { ...base, nodes, masterName: r.str(x.masterName, [...p, 'masterName']) } };
}

function readLogging(r: Reader, v: unknown): SluiceConfig['logging'] {
  const o = r.obj(v, ['logging'], ['level']);
  return { level: r.oneOf(o.level, ['logging', 'level'], ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info') };
}
