// The egress proxy: a forward-proxy listener jobs reach through HTTP_PROXY/HTTPS_PROXY. It is built on
// node:http + node:net rather than uWebSockets.js because uWS cannot take over a socket for CONNECT tunnels.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent } from 'undici';
import type { AuditRecordInput } from '../audit/record.js';
import type { Counter } from '../observe/metrics.js';
import type { Logger } from '../observe/logger.js';
import { SluiceError } from '../errors.js';
import { loadCatalogue, type SignatureCatalogue } from './catalogue.js';
import { createClassifier } from './classify.js';
import type { EgressConfig } from './config.js';
import { EGRESS_DEFAULTS } from './config.js';
import type { ProxyCore } from './core.js';
import { createShadowLedger, type ShadowSummary } from './ledger.js';
import { createDestinationPolicy, systemResolver, type Resolver } from './destination.js';
import { compileEgressPolicy, type EgressPolicy } from './policy.js';
import { createSelfCheck, type Listener } from './self.js';
import { identifyCaller, type Authenticate } from './proxy-auth.js';
import { createHttpHandler } from './proxy-http.js';
import { createConnectHandler } from './tunnel.js';

export interface EgressProxyOptions {
  host: string;
  port: number;
  policy: EgressPolicy;
  /** Sluice's own base URL: named in block messages and the target of `route`. */
  gatewayUrl?: string;
  routes?: { openai: string; anthropic: string };
  /** Shipped catalogue plus config extensions (default: the shipped one). */
  catalogue?: SignatureCatalogue;
  /** Proxy-Authorization token → identity (the gateway's authenticator). */
  authenticate?: Authenticate;
  requireAuth?: boolean;
  audit: (record: AuditRecordInput) => void;
  metrics?: { shadow: Counter; egress?: Counter };
  logger: Logger;
  /** Name → addresses, asked once per call (default: the system resolver). Tests inject one instead of DNS. */
  resolve?: Resolver;
  /** Sluice's other listeners (gateway, admin): refused as destinations unless a rule names the port. */
  selfListeners?: Listener[];
  maxInspectBytes?: number;
  connectTimeoutMs?: number;
  upstreamTimeoutMs?: number;
  tunnelIdleMs?: number;
  summaryMaxPairs?: number;
  now?: () => number;
}

export interface EgressProxy {
  readonly host: string;
  readonly port: number;
  summary(): ShadowSummary;
  close(): Promise<void>;
}

/** Options from the validated `egress` config section; the caller adds audit, logger, metrics and authenticate. */
export function egressOptionsFrom(cfg: EgressConfig): Omit<EgressProxyOptions, 'audit' | 'logger' | 'metrics' | 'authenticate'> {
  return {
    host: cfg.host,
    port: cfg.port,
    policy: cfg.policy,
    gatewayUrl: cfg.gatewayUrl,
    routes: cfg.routes,
    catalogue: loadCatalogue(cfg.signatures),
    requireAuth: cfg.requireAuth,
    maxInspectBytes: cfg.maxInspectBytes,
    connectTimeoutMs: cfg.connectTimeoutMs,
    upstreamTimeoutMs: cfg.upstreamTimeoutMs,
    tunnelIdleMs: cfg.tunnelIdleMs,
    summaryMaxPairs: cfg.summaryMaxPairs,
  };
}

export async function startEgressProxy(opts: EgressProxyOptions): Promise<EgressProxy> {
  if (opts.requireAuth && !opts.authenticate) throw new SluiceError('SLUICE_INTERNAL', 'egress proxy: requireAuth needs an authenticate function');
  const d = EGRESS_DEFAULTS;
  const limits = {
    maxInspectBytes: opts.maxInspectBytes ?? d.maxInspectBytes,
    connectTimeoutMs: opts.connectTimeoutMs ?? d.connectTimeoutMs,
    upstreamTimeoutMs: opts.upstreamTimeoutMs ?? d.upstreamTimeoutMs,
    tunnelIdleMs: opts.tunnelIdleMs ?? d.tunnelIdleMs,
  };
  // The proxy's own port joins the list once it is bound: a CONNECT to itself would be a proxy loop.
  const listeners: Listener[] = [...(opts.selfListeners ?? [])];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  // Forwarded calls go to checked IP addresses (no lookup); `route` goes to the configured gateway URL.
  const dispatcher = new Agent({
    connect: { timeout: limits.connectTimeoutMs },
    headersTimeout: limits.upstreamTimeoutMs,
    bodyTimeout: limits.upstreamTimeoutMs,
  });
  const core: ProxyCore = {
    classifier: createClassifier(opts.catalogue ?? loadCatalogue(), { maxBodyBytes: limits.maxInspectBytes }),
    decide: createDestinationPolicy({
      policy: compileEgressPolicy(opts.policy),
      resolve: opts.resolve ?? systemResolver,
      resolveTimeoutMs: limits.connectTimeoutMs,
      isSelf: createSelfCheck(() => listeners),
    }),
    identify: (headers, remote) => identifyCaller(headers, remote, opts.authenticate, opts.requireAuth === true),
    ledger: createShadowLedger({ audit: opts.audit, metrics: opts.metrics, logger: opts.logger, maxPairs: opts.summaryMaxPairs ?? d.summaryMaxPairs, now: opts.now }),
    advice: { gatewayUrl: opts.gatewayUrl?.replace(/\/+$/, ''), routes: opts.routes ?? d.routes },
    dispatcher,
    logger: opts.logger,
    limits,
    track,
  };

  const server: Server = createServer({ headersTimeout: 30_000 });
  server.on('connection', track);
  server.on('request', createHttpHandler(core));
  server.on('connect', createConnectHandler(core));
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Bound to the configured address only: an egress proxy open on every interface is an open relay.
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  listeners.push({ host: address.address, port: address.port });
  opts.logger.info({ host: address.address, port: address.port }, 'egress proxy listening');

  return {
    host: address.address,
    port: address.port,
    summary: () => core.ledger.summary(),
    close: async function closeEgressProxy() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await Promise.all([closed, dispatcher.destroy()]);
    },
  };
}
