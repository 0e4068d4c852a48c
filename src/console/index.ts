// Wiring the reviewer console (and, in demo mode, the demo issuer's browser sign-in) from sluice.yaml, so main.ts
// only adds routes. Everything here runs on the main thread, next to the state it shows.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AdminRoutes } from '../ports.js';
import type { Identity } from '../types.js';
import type { Logger } from '../observe/logger.js';
import type { SluiceConfig } from '../config/schema.js';
import type { IdentityConfig } from '../auth/config.js';
import { createKeySource } from '../auth/keys.js';
import type { Review } from '../approval/review.js';
import type { GatewayAudit } from '../audit/step.js';
import type { Policy, PolicyIssue } from '../policy/types.js';
import { formatIssue } from '../policy/load.js';
import type { ShadowSummary } from '../shadow/ledger.js';
import { loadCatalogue } from '../shadow/catalogue.js';
import { createClassifier } from '../shadow/classify.js';
import { readEgressConfig } from '../shadow/config.js';
import { scanFiles } from '../shadow/scan.js';
import { DEMO_ISSUER } from '../demo/issuer.js';
import { createDemoLogin, DEMO_LOGIN_BASE } from '../demo/oidc-login.js';
import type { ConsoleOidcConfig } from './config.js';
import { createOidcClient, type OidcSettings } from './oidc.js';
import { createConsole } from './routes.js';
import type { AuditStore } from './source.js';
import { createPool } from '../audit/db/pg.js';
import { tableName } from '../audit/db/migrations.js';
import { instanceId } from '../audit/db/sink.js';
import type { ReloadStatus } from './pages/policies.js';

export { validateConsoleConfig, ConsoleSchema, type ConsoleConfig } from './config.js';

export const CONSOLE_PATH = '/sluice/console';
export const DEMO_CONSOLE_CLIENT = 'sluice-console';

export interface ConsoleWiring {
  config: SluiceConfig;
  identity: IdentityConfig;
  /** The gateway's URL once it listens (the demo's redirect URI and endpoints are built from it). */
  baseUrl: () => string;
  review: Review;
  maxGrantMinutes: number;
  policy: () => Policy;
  policyStatus: () => ReloadStatus;
  authenticate: (headers: Record<string, string>, remote: string) => Promise<Identity>;
  audit: GatewayAudit;
  shadowSummary: () => ShadowSummary | undefined;
  logger: Logger;
}

export interface WiredConsole {
  routes: AdminRoutes[];
  /** Closes the console's connections to the audit store, if any. */
  close(): Promise<void>;
}

/** The console's routes (none when `console.enabled: false`) and, in demo mode, the demo sign-in routes. */
export function wireConsole(w: ConsoleWiring): WiredConsole {
  const cfg = w.config.console;
  if (!cfg.enabled) return { routes: [], close: async () => undefined };
  const demo = w.config.demo.enabled && !cfg.oidc;
  const oidcCfg = (): ConsoleOidcConfig | undefined =>
    demo
      ? {
          issuer: DEMO_ISSUER, clientId: DEMO_CONSOLE_CLIENT, redirectUri: `${w.baseUrl()}${CONSOLE_PATH}/callback`, scopes: ['openid'],
          authorizationEndpoint: `${w.baseUrl()}${DEMO_LOGIN_BASE}/authorize`, tokenEndpoint: `${w.baseUrl()}${DEMO_LOGIN_BASE}/token`,
        }
      : cfg.oidc;
  const routes: AdminRoutes[] = [];
  let oidc;
  if (cfg.oidc || demo) {
    const issuerName = demo ? DEMO_ISSUER : cfg.oidc!.issuer;
    const issuer = w.identity.issuers.find((i) => i.issuer === issuerName);
    if (!issuer) throw new Error(`console.oidc.issuer: "${issuerName}" must also be trusted under identity.issuers (its keys and claims)`);
    const settings = (): OidcSettings => ({
      ...oidcCfg()!, algorithms: issuer.algorithms, clockSkewSeconds: w.identity.clockSkewSeconds, fetchTimeoutMs: issuer.fetchTimeoutMs,
    });
    oidc = createOidcClient({ settings, keys: createKeySource(issuer), authenticate: w.authenticate });
  }
  if (demo) {
    routes.push(createDemoLogin({
      dir: w.config.demo.dir,
      clients: () => [{ clientId: DEMO_CONSOLE_CLIENT, redirectUri: `${w.baseUrl()}${CONSOLE_PATH}/callback` }],
      groups: () => demoGroups(w.policy()),
    }));
  }
  const auditCfg = w.config.audit;
  const store = auditStore(auditCfg);
  const classifier = createClassifier(loadCatalogue(readEgressConfig(w.config.egress).signatures));
  routes.push(createConsole({
    config: cfg,
    ...(oidc ? { oidc } : {}),
    secureCookies: w.config.server.tls !== undefined || (oidcCfg()?.redirectUri ?? '').startsWith('https:'),
    review: w.review,
    maxGrantMinutes: w.maxGrantMinutes,
    policy: w.policy,
    policyStatus: w.policyStatus,
    authenticate: w.authenticate,
    audit: {
      ...(auditCfg.enabled ? { dir: auditCfg.dir } : {}),
      append: (r) => w.audit.append(r),
      stats: () => w.audit.writer?.stats,
      ...(auditCfg.signingKeyFile ? { publicKey: publicKeyOf(auditCfg.signingKeyFile) } : {}),
      ...(store ? { store, storeHealth: () => w.audit.db?.health().detail } : {}),
    },
    shadow: { summary: w.shadowSummary, scan: (files) => scanFiles(files, { classifier }) },
    logger: w.logger.child({ component: 'console' }),
  }));
  return { routes, close: async () => store?.pool.end() };
}

/**
 * The shared store when `audit.sinks` lists postgres: the console's own small pool (its queries never wait behind
 * the shipper's batches). Nothing connects until a page reads the trail.
 */
function auditStore(a: SluiceConfig['audit']): AuditStore | undefined {
  if (!a.enabled || !a.sinks.includes('postgres') || !a.postgres) return undefined;
  return { pool: createPool({ url: a.postgres.url, max: 2 }), table: tableName(a.postgres.table), instance: a.instance ?? instanceId(a.dir) };
}

/** Tracks the policy store's reloads for the console's policies page. */
export function reloadTracker(now: () => number = Date.now): { status: () => ReloadStatus; ok(): void; failed(issues: PolicyIssue[]): void } {
  const s: ReloadStatus = { loadedAt: now(), lastAttempt: now(), ok: true, issues: [] };
  return {
    status: () => ({ ...s, issues: [...s.issues] }),
    ok() {
      s.loadedAt = s.lastAttempt = now();
      s.ok = true;
      s.issues = [];
    },
    failed(issues) {
      s.lastAttempt = now();
      s.ok = false;
      s.issues = issues.map(formatIssue);
    },
  };
}

function publicKeyOf(file: string): KeyObject {
  return createPublicKey(readFileSync(file));
}

/** Groups worth offering on the demo login page: reviewers, operators and every group a rule names. */
function demoGroups(p: Policy): string[] {
  const named = p.rules.flatMap((r) => [...(r.match.groups ?? []), ...(r.reviewers ?? [])]).filter((g) => !/[*?]/.test(g));
  return [...new Set([...p.reviewerGroups, ...p.operatorGroups, ...named])];
}
