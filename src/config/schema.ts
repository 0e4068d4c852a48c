// The shape of sluice.yaml, written once: types, validation, messages, defaults, JSON Schema and the reference
// tables in docs/configuration.md all come from this (scripts/schema.ts writes the last two).
import * as v from 'valibot';
import { at, bool, def, dict, httpUrl, int, list, obj, oneOf, opt, pattern, req, section, str, text } from './kit.js';
import { IdentitySchema } from '../auth/config.js';
import { ApprovalsSchema } from '../approval/config.js';
import { EgressSchema } from '../shadow/config.js';
import { ConsoleSchema } from '../console/config.js';
import { RoutesSchema, checkRoutes } from '../routing/config.js';
import { SpendSchema } from '../spend/config.js';

const NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;
// Paths the gateway owns; a connection may not shadow them.
const RESERVED_NAMES = ['v1', 'sluice', 'healthz', 'readyz', 'metrics'];
// Client ids become the job name, so they follow the same rule as x-sluice-job / x-sluice-session values.
const clientId = () => pattern(/^[A-Za-z0-9._:-]{1,128}$/, '1-128 characters of A-Z a-z 0-9 . _ : -');
const MIN_CLIENT_SECRET = 16;
const KiB = 1024;
const MiB = 1024 * KiB;

/** Per HTTP thread and connection; see docs/configuration.md for the measurement behind them. */
export const UPSTREAM_POOL_DEFAULTS = Object.freeze({ connections: 1024, maxQueue: 1024 });


const server = section({
  host: def(str(), '127.0.0.1', 'Listen address (`0.0.0.0` to serve other hosts).'),
  port: def(int(0, 65535), 8080, 'Listen port; `0` picks a free port.'),
  engine: def(oneOf(['auto', 'uws', 'node']), 'auto', 'HTTP front end: `auto` runs native uWebSockets.js where a build loads on this Node/glibc, else `node:http`; `uws` refuses to start without a native build; `node` always runs `node:http`. `$SLUICE_ENGINE` overrides the file.'),
  threads: def(int(0, 256), 0, 'HTTP threads serving the port, each with its own front end, gateway, inline inspection and upstream pools; quotas, token vault, approvals and the audit chain stay one for the instance on the main thread. `0`: one per core this process may use (cgroup CPU quota respected). The node engine shares the port only on Node >= 22.12 and runs one thread elsewhere.'),
  allowSlowFallback: def(bool(), false, 'Deprecated, no effect: the uWS JS fallback never runs (the node engine replaces it). Accepted so old files load.'),
  maxHeaderBytes: def(int(KiB, MiB), 16 * KiB, 'Request headers above this are refused (431).'),
  maxBodyBytes: def(int(KiB, 1024 * MiB), 8 * MiB, 'Request bodies above this are refused (413).'),
  shutdownGraceMs: def(int(0, 600_000), 10_000, 'On SIGTERM/SIGINT, how long in-flight requests may finish.'),
  tls: opt(
    obj({
      certFile: req(text(), { description: 'PEM certificate chain.', examples: ['tls/sluice.crt'] }),
      keyFile: req(text(), { description: 'PEM private key.', examples: ['tls/sluice.key'] }),
      passphrase: opt(str(), { description: 'Passphrase of the private key.', examples: ['${SLUICE_TLS_PASSPHRASE}'], secret: true }),
    }),
    'Terminate TLS (uWS `SSLApp`).',
  ),
  admin: opt(
    obj({
      host: def(str(), '127.0.0.1', 'Listen address of the admin listener.'),
      port: req(int(0, 65535), { description: 'Port of the admin listener; `0` picks a free port.', examples: [9090] }),
    }),
    'A separate plain-HTTP listener (node:http) for `/metrics`, `/healthz` and `/readyz`; the traffic port then answers them 404.',
  ),
}, 'The HTTP listener.');

const demo = section({
  enabled: def(bool(), false, 'Start the mock provider on loopback and trust the demo issuer (`sluice token`).'),
  dir: def(str(), '.sluice/demo', 'Demo issuer keys and the inspection secret.'),
  mockProviderPort: def(int(0, 65535), 9901, 'Port of the mock OpenAI/Anthropic provider.'),
  clients: def(
    v.pipe(
      list(
        v.pipe(
          obj({
            id: req(clientId(), { description: 'Client id; also the default subject and job.', examples: ['spark-enrichment'] }),
            secret: req(v.pipe(text(), v.minLength(MIN_CLIENT_SECRET, `must be at least ${MIN_CLIENT_SECRET} characters`)), { description: 'Client secret.', examples: ['${SPARK_CLIENT_SECRET}'], secret: true }),
            groups: req(v.pipe(list(text()), v.minLength(1, 'at least one group is required')), { description: 'Groups the tokens carry.', examples: [['streaming-jobs']] }),
            subject: opt(text(), { description: 'Token subject (default: the client id).', examples: ['svc-spark'] }),
            job: opt(clientId(), { description: 'The job the token names (`azp`; default: the client id).', examples: ['spark-enrichment'] }),
            // Short by default, like most IdPs' service-account tokens (Keycloak: 5 min), so jobs exercise refresh.
            ttlSeconds: def(int(1, 86_400), 300, 'Token lifetime.'),
          }),
          v.transform((c) => ({ ...c, subject: c.subject ?? c.id, job: c.job ?? c.id })),
        ),
      ),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const seen = new Set<string>();
        dataset.value.forEach((c, i) => {
          if (seen.has(c.id)) addIssue({ message: `duplicate client id "${c.id}"`, path: at(i, 'id') });
          seen.add(c.id);
        });
      }),
    ),
    [],
    'OAuth2 client_credentials clients of the demo issuer (`POST /sluice/demo/token`), like a Keycloak/Okta/Entra/Auth0 service account.',
  ),
}, 'Demo mode: a local mock provider and token issuer.');

const connection = v.pipe(
  obj({
    name: req(
      v.pipe(
        pattern(NAME_RE, 'a name of lower-case letters, digits and -, starting with a letter (at most 32)'),
        v.check((s) => !RESERVED_NAMES.includes(s), `expected a name that is not a reserved path (${RESERVED_NAMES.join(', ')})`),
      ),
      { description: 'Path prefix: clients use `http://sluice:8080/<name>/v1`.', examples: ['openai'] },
    ),
    provider: req(oneOf(['openai', 'anthropic']), { description: '`openai` (also vLLM, Ollama, Azure OpenAI, LiteLLM…) or `anthropic`.', examples: ['openai'] }),
    baseUrl: req(httpUrl(), { description: 'Upstream base URL including `/v1`.', examples: ['https://api.openai.com/v1'] }),
    credential: def(str(), '', { description: 'The provider secret Sluice injects (callers never see it).', examples: ['${OPENAI_API_KEY}'], secret: true }),
    credentialHeader: opt(
      oneOf(['bearer', 'x-api-key', 'api-key']),
      { description: 'How the credential is sent: `bearer` (`Authorization: Bearer`), `x-api-key`, or `api-key` (Azure OpenAI keys). Default: `bearer` for openai, `x-api-key` for anthropic.', examples: ['api-key'] },
    ),
    default: def(bool(), false, 'Also serves bare `/v1/...`; the first connection when none is marked.'),
    anthropicVersion: def(str(), '2023-06-01', 'Sent when the client sends no `anthropic-version`.'),
    headers: def(dict(str()), {}, { description: 'Extra headers sent upstream.', examples: [{ 'OpenAI-Organization': 'org-123' }] }),
    timeouts: section({
      connectMs: def(int(1), 10_000, 'Connecting to the upstream (504 when exceeded).'),
      headersMs: def(int(1), 120_000, 'Waiting for the response headers (504 when exceeded).'),
      bodyMs: def(int(1), 300_000, 'Idle time between response body chunks (504 when exceeded).'),
    }, 'Upstream time limits.'),
    pool: section({
      connections: def(int(1, 65_536), UPSTREAM_POOL_DEFAULTS.connections, 'Sockets in the undici pool of this connection, per HTTP thread. Providers stream each answer for seconds, so a high-volume job needs about one per concurrent request (measurement in docs/configuration.md).'),
      maxQueue: def(int(0, 1_000_000), UPSTREAM_POOL_DEFAULTS.maxQueue, 'Requests that may wait for a free socket; beyond it the answer is 503 `SLUICE_UPSTREAM_BUSY` with `retry-after: 1`. The wait counts against `timeouts.headersMs`.'),
      keepAliveTimeoutMs: def(int(1), 30_000, 'Idle keep-alive sockets are closed after this.'),
    }, 'The undici pool of this connection.'),
    tls: section({
      rejectUnauthorized: def(bool(), true, 'Verify the upstream certificate.'),
      caFile: opt(text(), { description: 'PEM file with extra CA certificates.', examples: ['tls/internal-ca.pem'] }),
    }, 'TLS to the upstream.'),
  }),
  v.transform(({ timeouts, pool, tls, credentialHeader, baseUrl, ...c }) => ({
    ...c,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    /** How the credential is sent: `bearer` (Authorization), `x-api-key` (Anthropic), `api-key` (Azure OpenAI). */
    credentialHeader: credentialHeader ?? (c.provider === 'anthropic' ? 'x-api-key' : 'bearer'),
    connectTimeoutMs: timeouts.connectMs,
    headersTimeoutMs: timeouts.headersMs,
    bodyTimeoutMs: timeouts.bodyMs,
    connections: pool.connections,
    maxQueue: pool.maxQueue,
    keepAliveTimeoutMs: pool.keepAliveTimeoutMs,
    rejectUnauthorized: tls.rejectUnauthorized,
    caFile: tls.caFile,
  })),
);

const connections = req(
  v.pipe(
    v.array(connection, 'expected a list'),
    v.minLength(1, 'at least one connection is required'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const seen = new Set<string>();
      dataset.value.forEach((c, i) => {
        if (seen.has(c.name)) addIssue({ message: `duplicate connection name "${c.name}"`, path: at(i, 'name') });
        seen.add(c.name);
      });
      if (dataset.value.filter((c) => c.default).length > 1) addIssue({ message: 'only one connection may be marked default' });
    }),
    v.transform((list) => (list.some((c) => c.default) ? list : list.map((c, i) => ({ ...c, default: i === 0 })))),
  ),
  'Upstream providers; each is served under `/<name>/v1`.',
);

const inspection = section({
  inlineBelowBytes: def(int(0), 64 * KiB, 'Bodies smaller than this are scanned on the HTTP thread; larger ones in the worker pool.'),
  responseHoldBack: def(int(0, 65_536), 0, 'Bytes held back per response stream while they could still start a match; raises the engine\'s hold-back (the longest detector), never lowers it (`0`: the engine\'s).'),
  maskResponses: def(bool(), true, 'Mask JSON and SSE responses in flight.'),
  pool: v.pipe(
    section({
      minThreads: def(int(0, 256), 1, 'Piscina workers kept running.'),
      maxThreads: def(int(1, 256), 2, 'Piscina workers at most.'),
      idleTimeoutMs: def(int(0), 30_000, 'Idle workers above `minThreads` stop after this.'),
      maxQueue: def(int(1), 256, 'Tasks waiting beyond this are refused (503 with `Retry-After`).'),
      concurrentTasksPerWorker: def(int(1, 64), 1, 'Tasks one worker runs at once.'),
      taskTimeoutMs: def(int(1), 5_000, 'A task over this fails its request closed (503).'),
    }, 'The piscina worker pool for large bodies.'),
    v.forward(v.partialCheck([['minThreads'], ['maxThreads']], (p) => p.minThreads <= p.maxThreads, 'must not exceed maxThreads'), ['minThreads']),
  ),
}, 'Request and response inspection.');

const policies = section({
  dir: def(str(), 'policies', 'Folder of policy files (`*.yaml`), see docs/policy.md.'),
  watch: def(bool(), true, 'Hot reload; a bad file keeps the previous policy.'),
  // HMAC key for `hash`/`tokenize`; a random one per start is safe but makes tokens unstable across restarts.
  secret: def(str(), '', { description: 'HMAC key for `hash` and `tokenize`; set it in production or tokens change on restart.', examples: ['${SLUICE_INSPECTION_SECRET}'], secret: true }),
}, 'Where policies come from.');

const audit = v.pipe(section({
  enabled: def(bool(), true, 'Write the audit trail.'),
  dir: def(str(), '.sluice/audit', 'Hash-chained JSONL files.'),
  fsync: def(oneOf(['always', 'group']), 'group', '`always`: fsync every batch; `group`: batch for `groupCommitMs`.'),
  groupCommitMs: def(int(1, 10_000), 5, 'The loss window on a crash in `group` mode.'),
  payloads: def(oneOf(['full', 'truncated', 'none']), 'truncated', '`full`, `truncated` (to `truncateBytes`) or `none`; always the masked text.'),
  truncateBytes: def(int(0), 4096, 'Bytes of each payload kept in `truncated` mode.'),
  rotateBytes: def(int(4096), 64 * MiB, 'A new file is started beyond this size.'),
  checkpointEvery: def(int(1), 1000, 'Sign a checkpoint after this many records…'),
  checkpointSeconds: def(int(1), 60, '…or after this long, whichever comes first.'),
  signingKeyFile: opt(text(), { description: 'Ed25519 PKCS8 PEM (`sluice keys generate`); without it no checkpoints are written.', examples: ['keys/audit-signing.key.pem'] }),
  onFailure: def(oneOf(['refuse', 'serve']), 'refuse', 'When a record cannot be made durable (disk full, read-only, I/O error): `refuse` answers 503 `SLUICE_AUDIT_UNAVAILABLE` before anything is forwarded until writes succeed again; `serve` keeps serving and leaves a `gap` record that `sluice audit verify` reports.'),
  maxPendingBytes: def(int(65_536), 64 * MiB, 'Records waiting for the disk beyond this are dropped (counted, and marked by a `gap` record).'),
  sinks: def(v.pipe(list(oneOf(['file', 'postgres'])), v.check((s) => s.includes('file'), 'must include file (the local files are the durability point)')), ['file'], 'Where records go: `file` always (the durability point); `postgres` also ships them to `audit.postgres` (docs/audit-postgres.md).'),
  instance: opt(pattern(/^[A-Za-z0-9._:-]{1,128}$/, '1-128 characters of A-Z a-z 0-9 . _ : -'), { description: 'This instance\'s chain in the shared store; default: an id made once and kept in `dir`/instance.', examples: ['gw-eu-1'] }),
  postgres: opt(obj({
    url: req(text(), { description: 'PostgreSQL connection URL.', examples: ['postgres://sluice:${PGPASSWORD}@db.internal:5432/sluice'], secret: true }),
    table: def(pattern(/^[a-z_][a-z0-9_]{0,39}$/, 'a lower-case SQL identifier'), 'sluice_audit', 'Table name (also the prefix of its partitions and helper tables).'),
    batchMaxRecords: def(int(1, 10_000), 500, 'Records per insert at most.'),
    batchMaxMs: def(int(1, 60_000), 200, 'Longest a durable record waits before its batch is sent.'),
    retentionDays: def(int(0, 36_500), 0, 'Days kept in the database (whole daily partitions are dropped); `0` keeps everything. The local files are not touched.'),
  }), 'The shared PostgreSQL audit store (`sinks: [file, postgres]`); apply its schema with `sluice db migrate`.'),
}, 'The tamper-evident audit trail.'), v.rawCheck(({ dataset, addIssue }) => {
  if (dataset.typed && dataset.value.sinks.includes('postgres') && !dataset.value.postgres) addIssue({ message: 'is required when sinks lists postgres', path: at('postgres') });
}));

const redisUrl = () => v.pipe(text(), v.check((s) => /^rediss?:\/\//.test(s), 'expected a redis:// or rediss:// URL'));
const redis = v.pipe(
  obj({
    mode: def(oneOf(['single', 'sentinel', 'cluster']), 'single', '`single`: one server at `url`. `sentinel`: `nodes` are the Sentinels, `masterName` the monitored primary. `cluster`: `nodes` are seed nodes of a Redis Cluster.'),
    url: opt(redisUrl(), { description: '`single` only: the server (`rediss://` for TLS).', examples: ['redis://:${REDIS_PASSWORD}@redis.internal:6379/0'], secret: true }),
    nodes: opt(list(redisUrl()), {
      description: '`sentinel` / `cluster` only: `redis://host:port` URLs; credentials in the first apply to every connection.',
      examples: [['redis://:${REDIS_PASSWORD}@redis-0.internal:6379', 'redis://redis-1.internal:6379']],
      secret: true,
    }),
    masterName: opt(text(), { description: '`sentinel` only: the monitored primary.', examples: ['mymaster'] }),
    keyPrefix: def(str(), 'sluice:', 'Prefix of every key Sluice writes.'),
    failOpen: def(bool(), true, 'Redis unreachable: allow requests (and count `sluice_store_errors_total`), or answer 503.'),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const r = dataset.value;
    if (r.mode === 'single') {
      if (r.nodes !== undefined) addIssue({ message: 'is for mode sentinel or cluster; mode single uses url', path: at('nodes') });
      if (r.url === undefined) addIssue({ message: 'is required', path: at('url') });
      return;
    }
    if (r.url !== undefined) addIssue({ message: `is for mode single; mode ${r.mode} uses nodes`, path: at('url') });
    if (!r.nodes?.length) addIssue({ message: `mode ${r.mode} needs at least one node URL`, path: at('nodes') });
    if (r.mode === 'cluster' && r.masterName !== undefined) addIssue({ message: 'is for mode sentinel', path: at('masterName') });
    if (r.mode === 'sentinel' && r.masterName === undefined) addIssue({ message: 'is required', path: at('masterName') });
  }),
);

const stores = section({
  redis: opt(redis, 'Shared state on Redis (single, Sentinel or Cluster): quotas, the token vault and approvals. Absent: in memory, per instance.'),
}, 'State that several instances share.');

const telemetry = section({
  metrics: section({
    jobLabels: def(bool(), false, 'Label `sluice_tokens_total` by job too. Jobs are named by callers: off by default to keep label cardinality bounded.'),
    maxJobs: def(int(1, 10_000), 100, 'With `jobLabels`: distinct jobs labelled per HTTP thread; later jobs are counted as `other`.'),
  }, 'Prometheus metrics (`/metrics`).'),
  traces: section({
    enabled: def(bool(), false, 'Export OpenTelemetry traces (one span per exchange, a child per step) over OTLP/HTTP. `OTEL_SDK_DISABLED=true` turns them off.'),
    endpoint: opt(httpUrl(), { description: 'OTLP/HTTP traces URL. Absent: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`.', examples: ['http://otel-collector:4318/v1/traces'] }),
    sampleRatio: opt(v.pipe(v.number('expected a number from 0 to 1'), v.minValue(0, 'expected a number from 0 to 1'), v.maxValue(1, 'expected a number from 0 to 1')), { description: 'Share of new traces kept; a caller\'s `traceparent` decision is followed. Absent: `OTEL_TRACES_SAMPLER_ARG` (with `OTEL_TRACES_SAMPLER=traceidratio`), else 1.', examples: [0.1] }),
    headers: def(dict(str()), {}, { description: 'Headers sent with every export (e.g. a collector token); `OTEL_EXPORTER_OTLP_HEADERS` adds to them.', examples: [{ authorization: 'Bearer ${OTEL_TOKEN}' }], secret: true }),
  }, 'OpenTelemetry traces (OTLP/HTTP).'),
}, 'Metrics and traces.');

const logging = section({
  level: def(oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'JSON lines on stdout; credentials are redacted.'),
}, 'Logs.');

export const ConfigSchema = v.pipe(
  obj({
  server,
  demo,
  identity: IdentitySchema,
  connections,
  routes: RoutesSchema,
  spend: SpendSchema,
  inspection,
  policies,
  audit,
  approvals: ApprovalsSchema,
  egress: EgressSchema,
  console: ConsoleSchema,
  stores,
  logging,
  telemetry,
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (dataset.typed) checkRoutes(dataset.value.routes, dataset.value.connections, addIssue);
  }),
);

export type SluiceConfig = v.InferOutput<typeof ConfigSchema>;
export type ServerConfig = SluiceConfig['server'];
export type TlsConfig = NonNullable<ServerConfig['tls']>;
export type DemoConfig = SluiceConfig['demo'];
export type DemoClientConfig = DemoConfig['clients'][number];
export type ConnectionConfig = SluiceConfig['connections'][number];
export type InspectionConfig = SluiceConfig['inspection'];
export type AuditConfig = SluiceConfig['audit'];
export type StoresConfig = SluiceConfig['stores'];
export type RedisStoreConfig = NonNullable<StoresConfig['redis']>;
export type { RoutesConfig } from '../routing/config.js';
