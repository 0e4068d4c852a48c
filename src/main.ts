// config + policies → gateway → listen; graceful shutdown.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile, type LoadedConfig } from './config/load.js';
import type { SluiceConfig } from './config/schema.js';
import { createLogger, type Logger } from './observe/logger.js';
import { createMetrics, type Metrics } from './observe/metrics.js';
import { chooseEngine, engineSupportsThreads, startFrontEnd, type EngineInfo, type FrontEnd } from './http/engine.js';
import { adminHandler } from './operations.js';
import type { Tracing } from './observe/tracing.js';
import { createAuthenticator } from './auth/authenticate.js';
import { withIssuer } from './auth/config.js';
import { ensureDemoIssuer, demoIssuerEntry } from './demo/issuer.js';
import { createTokenEndpoint } from './demo/token-endpoint.js';
import { startMockProvider, type MockProvider } from './demo/mock-provider.js';
import { createPolicyStore } from './policy/load.js';
import { formatIssue } from './policy/load.js';
import { createPolicyStep } from './policy/step.js';
import { createRedisQuotaStore } from './policy/quota-redis.js';
import { connectRedis, type SharedRedis } from './redis.js';
import { createMemoryQuotaStore, type QuotaStore } from './policy/quota.js';
import { createSpend } from './spend/index.js';
import { createAuditStep } from './audit/step.js';
import { createApprovals } from './approval/index.js';
import { reviewerAccess } from './approval/access.js';
import { createRedisApprovalStore, type RedisApprovalStore } from './approval/store-redis.js';
import { createMemoryVault, type MemoryVault, type TokenVault } from './inspect/vault.js';
import { createRedisVault } from './inspect/vault-redis.js';
import { startEgressProxy, egressOptionsFrom, type EgressProxy } from './shadow/proxy.js';
import { createShadowRoutes } from './shadow/routes.js';
import { wireConsole, reloadTracker, CONSOLE_PATH } from './console/index.js';
import { SluiceError } from './errors.js';
import type { AdminRoutes, ReadinessCheck } from './ports.js';
import type { RequestContext } from './context.js';
import { startPipeline, type Pipeline } from './pipeline.js';
import { startHttpThreads, type HttpThreads } from './threads/owner.js';
import { availableCores } from './threads/cores.js';

/** What the instance's HTTP side reports: exchanges in flight on every thread, and whether it is draining. */
export interface GatewayView {
  readonly inFlight: number;
  readonly draining: boolean;
}

export interface Sluice {
  port: number;
  url: string;
  /** The admin listener's URL (`server.admin`): /metrics, /healthz, /readyz. */
  adminUrl?: string;
  /** The reviewer console, unless `console.enabled: false`. */
  consoleUrl?: string;
  config: SluiceConfig;
  gateway: GatewayView;
  /** HTTP threads serving the port (`server.threads`; 1: the main thread serves). */
  threads: number;
  metrics: Metrics;
  /** OpenTelemetry tracing of the main thread's pipeline (`server.threads: 1`), when `telemetry.traces.enabled`. */
  tracing?: Tracing;
  /** The HTTP front end that runs (uWS or node:http) and why. */
  engine: EngineInfo;
  mock?: MockProvider;
  /** The egress (forward) proxy, when `egress.enabled`. */
  readonly egress?: EgressProxy;
  /** Graceful: stop accepting, let in-flight requests finish within the grace period, flush logs and audit. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Override parts of the loaded config (tests). */
  override?: (c: SluiceConfig) => SluiceConfig;
}

export async function startSluice(loaded: LoadedConfig, opts: StartOptions = {}): Promise<Sluice> {
  const config = opts.override ? opts.override(loaded.config) : loaded.config;
  const logger = opts.logger ?? createLogger(config.logging.level);
  const closers: Array<() => Promise<void> | void> = [];
  try {
    return await assemble(config, logger, closers);
  } catch (err) {
    // A start that fails halfway must not leave listeners, workers or watchers behind.
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    throw err;
  }
}

async function assemble(config: SluiceConfig, logger: Logger, closers: Array<() => Promise<void> | void>): Promise<Sluice> {
  const metrics = createMetrics({ process: true, maxJobs: config.telemetry.metrics.jobLabels ? config.telemetry.metrics.maxJobs : 0 });
  let mock: MockProvider | undefined;
  let identity = config.identity;
  let demoRoutes: AdminRoutes | undefined;
  if (config.demo.enabled) {
    mock = await startMockProvider({ host: '127.0.0.1', port: config.demo.mockProviderPort, quiet: true, maxReceived: 0 });
    closers.push(() => mock!.close());
    const demo = await ensureDemoIssuer(config.demo.dir);
    identity = withIssuer(identity, demoIssuerEntry(demo));
    logger.warn({ provider: mock.url }, 'DEMO MODE: mock provider and demo issuer started, not for real traffic (mint a token with `sluice token --group analysts`)');
    // Service accounts of the demo issuer get tokens by client_credentials, as from a real IdP.
    demoRoutes = createTokenEndpoint({ dir: config.demo.dir, clients: config.demo.clients, logger: logger.child({ component: 'demo-issuer' }) });
  }
  const auth = createAuthenticator(identity);
  closers.push(() => auth.close());

  const reloads = reloadTracker();
  let threads: HttpThreads | undefined;
  const policies = await createPolicyStore(config.policies.dir, {
    watch: config.policies.watch,
    onReload: (p) => {
      reloads.ok();
      threads?.reloadPolicy(policies.sources());
      logger.info({ digest: p.digest.slice(0, 12), files: p.files.length }, 'policy reloaded');
    },
    onError: (issues) => {
      reloads.failed(issues);
      logger.error({ issues: issues.map(formatIssue) }, 'policy reload failed; keeping the previous policy');
    },
  });
  closers.push(() => policies.close());

  const audit = createAuditStep(config.audit, logger, metrics);
  // Last to close: everything above may still append records while it shuts down.
  closers.unshift(() => audit.close());
  await audit.started;
  const secret = inspectionSecret(config, logger);
  let quotas: QuotaStore | undefined;
  let redisClient: SharedRedis | undefined;
  if (config.stores.redis) {
    const redis = config.stores.redis;
    let lastLog = 0;
    const storeError = (store: string) => (err: Error) => {
      metrics.storeErrors.inc({ store });
      // Errors come in bursts while Redis is down: one line per 10 s is enough (never the URL: it may hold a password).
      if (Date.now() - lastLog > 10_000) logger.warn({ store, err: err.message }, 'shared store unavailable');
      lastLog = Date.now();
    };
    const client = await connectRedis(redis, storeError('connection'));
    closers.push(() => client.close());
    redisClient = client;
    metrics.storeUp.track({ store: 'redis' }, () => (client.isReady ? 1 : 0));
    quotas = createRedisQuotaStore({ redis: client, keyPrefix: redis.keyPrefix, failOpen: redis.failOpen, onError: storeError('quotas') });
  }
  const approvalsConfig = config.approvals;
  let approvalStore: RedisApprovalStore | undefined;
  if (config.stores.redis && redisClient) {
    approvalStore = await createRedisApprovalStore({
      redis: redisClient,
      keyPrefix: config.stores.redis.keyPrefix,
      maxRecords: approvalsConfig.maxRecords,
      retainMs: approvalsConfig.retainSeconds * 1000,
      onError: () => metrics.storeErrors.inc({ store: 'approvals' }),
    });
    const shared = approvalStore;
    closers.push(() => shared.closeAsync());
  }
  const approvals = createApprovals({
    ...approvalsConfig,
    ...(approvalStore ? { store: approvalStore } : {}),
    reviewerPolicy: () => policies.current(),
    authenticate: (h, r) => auth.authenticate(h, r),
    audit: (rec) => audit.append(rec),
    onEvent: (event) => metrics.approvalEvents.inc({ event }),
    logger: logger.child({ component: 'approvals' }),
  });
  let approvalsClosed: Promise<void> | undefined;
  const closeApprovals = () => (approvalsClosed ??= approvals.close());
  closers.push(closeApprovals);

  // Reviewer endpoints other than approvals (which check access themselves): policy-wide reviewers and operators.
  const authorizeReviewer = async (ctx: RequestContext) => {
    const who = await auth.authenticate(ctx.headers, ctx.remoteAddress);
    const access = reviewerAccess(policies.current(), who.groups);
    if (!access.operator && !access.reviewer) throw new SluiceError('SLUICE_FORBIDDEN', 'Reviewer group membership required');
    return who;
  };
  let egress: EgressProxy | undefined;
  const admin = chainAdmin(demoRoutes ? [approvals, demoRoutes] : [approvals]);
  let vault: TokenVault & { preload?(session: string): Promise<Map<string, string>>; entriesOf?: MemoryVault['entriesOf'] } = createMemoryVault();
  if (config.stores.redis && redisClient) {
    vault = createRedisVault({ redis: redisClient, keyPrefix: config.stores.redis.keyPrefix, onError: () => metrics.storeErrors.inc({ store: 'vault' }) });
  }

  const readiness: ReadinessCheck[] = [{ name: 'audit', check: () => audit.health() }];
  if (audit.db) readiness.push({ name: 'audit_db', check: () => audit.db!.health() });
  if (redisClient && config.stores.redis) {
    const client = redisClient;
    const failOpen = config.stores.redis.failOpen;
    // Quotas fail open when so configured; the shared vault and approvals still need Redis, so it is reported either way.
    readiness.push({ name: 'redis', check: () => (client.isReady ? { ok: true } : { ok: failOpen, detail: failOpen ? 'unreachable (quotas failing open)' : 'unreachable' }) });
  }


  let url = '';
  const consoleRoutes = wireConsole({
    config, identity, baseUrl: () => url, review: approvals.review, maxGrantMinutes: approvalsConfig.maxGrantMinutes,
    policy: () => policies.current(), policyStatus: reloads.status, authenticate: (h, r) => auth.authenticate(h, r),
    audit, shadowSummary: () => egress?.summary(), logger,
  });
  for (const r of consoleRoutes.routes) admin.add(r);
  closers.push(() => consoleRoutes.close());

  // One store for quotas and budgets: in memory, or Redis; HTTP threads reach it on the main thread.
  const quotaStore = quotas ?? createMemoryQuotaStore();
  // The HTTP side: on the main thread, or on `server.threads` worker threads sharing the port.
  const count = httpThreadCount(config, logger);
  let pipeline: Pipeline | undefined;
  if (count > 1) {
    threads = await startHttpThreads({
      // The demo issuer joins the trusted issuers in demo mode: the threads authenticate against the same list.
      config: { ...config, identity },
      count,
      logger,
      metrics,
      state: { quotas: quotaStore, vault, audit, approvals, admin, readiness, policySources: () => policies.sources(), secret },
    });
    const started = threads;
    closers.push(() => started.close());
  } else {
    pipeline = await startPipeline({ config, logger, metrics, auth, policy: createPolicyStep(policies, secret, quotaStore, createSpend(config.spend, quotaStore, metrics)), audit, approvals, admin, vault, readiness });
    const started = pipeline;
    closers.push(() => started.close());
  }
  const server = { port: (threads?.port ?? pipeline?.server.port)!, engine: (threads?.engine ?? pipeline?.server.engine)! };
  let draining = false;
  const httpThreads = threads;
  const gateway: GatewayView = httpThreads
    ? {
        get inFlight() {
          return httpThreads.inFlight;
        },
        get draining() {
          return draining;
        },
      }
    : pipeline!.gateway;
  let adminServer: FrontEnd | undefined;
  if (config.server.admin) {
    const { admin: a, ...rest } = config.server;
    const operations = threads;
    const handle = operations ? adminHandler((path) => operations.operations(path)) : pipeline!.gateway.handleAdmin;
    adminServer = await startFrontEnd({ ...rest, host: a.host, port: a.port, engine: 'node', tls: undefined }, handle);
    const started = adminServer;
    closers.push(() => started.closeAll());
  }
  const scheme = config.server.tls ? 'https' : 'http';
  url = `${scheme}://${config.server.host}:${server.port}`;
  const egressCfg = config.egress;
  if (egressCfg.enabled) {
    egress = await startEgressProxy({
      ...egressOptionsFrom(egressCfg),
      gatewayUrl: egressCfg.gatewayUrl ?? url,
      audit: (rec) => audit.append(rec),
      metrics,
      logger: logger.child({ component: 'egress' }),
      authenticate: (h, r) => auth.authenticate(h, r),
      // The gateway's own port is no egress destination (its /metrics, /sluice/* routes) unless a rule names it.
      selfListeners: [{ host: config.server.host, port: server.port }, ...(adminServer && config.server.admin ? [{ host: config.server.admin.host, port: adminServer.port }] : [])],
    });
    admin.add(createShadowRoutes({ summary: () => egress!.summary(), authorizeReviewer }));
    closers.push(() => egress!.close());
  }
  const consoleUrl = consoleRoutes.routes.length > 0 ? `${url}${CONSOLE_PATH}` : undefined;
  logger.info({ url, console: consoleUrl, engine: server.engine, threads: threads?.count ?? 1, connections: config.connections.map((c) => c.name) }, 'sluice listening');

  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    url,
    adminUrl: adminServer && config.server.admin ? `http://${config.server.admin.host}:${adminServer.port}` : undefined,
    consoleUrl,
    config,
    gateway,
    threads: threads?.count ?? 1,
    metrics,
    tracing: pipeline?.tracing,
    engine: server.engine,
    mock,
    get egress() {
      return egress;
    },
    close() {
      closing ??= (async () => {
        draining = true;
        // Stop accepting everywhere; held requests end now (503, retry) rather than waiting out the grace period;
        // then whatever is in flight finishes within the grace period.
        const drained = threads ? threads.drain() : pipeline!.drain();
        await closeApprovals();
        await drained;
        for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
        logger.info('sluice stopped');
        logger.flush();
      })();
      return closing;
    },
  };
}

/** `server.threads` resolved: 0 is every core this process may use; engines that cannot share the port get one. */
export function httpThreadCount(config: SluiceConfig, logger?: Logger): number {
  const wanted = config.server.threads > 0 ? config.server.threads : availableCores();
  if (wanted <= 1) return 1;
  const engine = chooseEngine(config.server.engine, { maxHeaderBytes: config.server.maxHeaderBytes }).name;
  if (!engineSupportsThreads(engine)) {
    logger?.warn({ engine, node: process.versions.node }, 'this engine cannot share the port between threads on this Node (node:http needs Node >= 22.12 for reusePort): serving on one HTTP thread');
    return 1;
  }
  return wanted;
}

/** Admin routes tried in turn; the first that answers wins. */
function chainAdmin(initial: AdminRoutes[]): AdminRoutes & { add(r: AdminRoutes): void } {
  const routes = [...initial];
  return {
    add: (r) => void routes.push(r),
    async handle(ctx, body) {
      for (const r of routes) {
        const out = await r.handle(ctx, body);
        if (out) return out;
      }
      return null;
    },
  };
}

export async function startFromFile(file: string, opts: StartOptions = {}): Promise<Sluice> {
  return startSluice(loadConfigFile(file), opts);
}

/** HMAC key for `hash`/`tokenize`: configured, persisted in demo mode, or random per start (tokens then don't survive restarts). */
function inspectionSecret(config: SluiceConfig, logger: Logger): string {
  // Any configured string works: the HMAC key is derived from it.
  if (config.policies.secret) return createHash('sha256').update(`sluice-inspection:${config.policies.secret}`).digest('hex');
  if (config.demo.enabled) {
    const file = join(config.demo.dir, 'inspection-secret');
    if (!existsSync(file)) {
      mkdirSync(config.demo.dir, { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
    }
    return readFileSync(file, 'utf8').trim();
  }
  logger.warn('policies.secret is not set: tokens and hashes will change on restart');
  return randomBytes(32).toString('hex');
}
