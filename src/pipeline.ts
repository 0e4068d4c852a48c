// The HTTP side of one thread: front end → gateway → inspection, upstream pools and response filters. The main thread
// runs one when `server.threads` is 1; otherwise every HTTP thread runs its own (src/threads/http-thread.ts) and the
// steps that reach shared state are the channel's (src/threads/remote.ts).
import type { SluiceConfig } from './config/schema.js';
import type { Logger } from './observe/logger.js';
import type { Metrics } from './observe/metrics.js';
import { createTracing, type Tracing } from './observe/tracing.js';
import { startFrontEnd, type FrontEnd } from './http/engine.js';
import { createRouter } from './upstream/routes.js';
import { createUpstreams, closeUpstreams } from './upstream/pools.js';
import { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
import { createInspector } from './inspect/pool.js';
import { createResponseStep } from './response/step.js';
import { createRouting } from './routing/index.js';
import { performance } from 'node:perf_hooks';
import { Gauge } from 'prom-client';

export interface PipelineDeps extends Pick<GatewayDeps, 'auth' | 'policy' | 'audit' | 'approvals' | 'admin' | 'vault' | 'readiness' | 'operations' | 'inFlightCell'> {
  config: SluiceConfig;
  logger: Logger;
  metrics: Metrics;
  /** Share the port with the other HTTP threads' listeners. */
  reusePort?: boolean;
  /** This HTTP thread's number (label of its event-loop metrics); 0 on the main thread. */
  thread?: number;
}

export interface Pipeline {
  gateway: Gateway;
  server: FrontEnd;
  /** This thread's OpenTelemetry tracing (its own provider and exporter), when `telemetry.traces.enabled`. */
  tracing?: Tracing;
  /** Stops accepting, lets in-flight exchanges finish within `server.shutdownGraceMs`, closes the rest. */
  drain(): Promise<void>;
  /** Closes connections, upstream pools and the inspection pool. */
  close(): Promise<void>;
}

export async function startPipeline(deps: PipelineDeps): Promise<Pipeline> {
  const { config, logger, metrics } = deps;
  const closers: Array<() => Promise<void> | void> = [];
  try {
    const inspector = createInspector(config.inspection, metrics);
    closers.push(() => inspector.close());
    const upstreams = createUpstreams(config.connections);
    closers.push(() => closeUpstreams(upstreams));
    const vault = deps.vault;
    const tracing = createTracing(config.telemetry.traces);
    // Closed after the gateway's connections (closers run in reverse): the last spans are exported.
    if (tracing) closers.push(() => tracing.shutdown());
    // Model routing state (in flight, breakers, latency) belongs to this pipeline, like its upstream pools.
    const routing = createRouting(config, upstreams, deps.policy, metrics);
    const gateway = createGateway({
      ...deps,
      ...(tracing ? { tracing } : {}),
      routing,
      readiness: routing ? [...(deps.readiness ?? []), routing.router.readiness] : deps.readiness,
      router: createRouter(config.connections),
      upstreams,
      inspect: inspector,
      // A synchronous vault answers in the stream; a shared or remote one is preloaded per exchange (ctx.sessionTokens).
      response: createResponseStep(config.inspection, vault && !vault.preload ? { sessionLookup: (session, token) => vault.get(session, token) as string | undefined } : {}),
    });
    trackEventLoop(metrics, deps.thread ?? 0);
    const server = await startFrontEnd(config.server, gateway.handle, { reusePort: deps.reusePort });
    closers.push(() => server.closeAll());
    let drained: Promise<void> | undefined;
    return {
      gateway,
      server,
      tracing,
      drain() {
        drained ??= (async () => {
          gateway.draining = true;
          server.stopListening();
          const deadline = Date.now() + config.server.shutdownGraceMs;
          while (gateway.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          if (gateway.inFlight > 0) logger.warn({ inFlight: gateway.inFlight }, 'shutdown grace period over; abandoning in-flight requests');
        })();
        return drained;
      },
      async close() {
        for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
        closers.length = 0;
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    throw err;
  }
}

/** Event-loop utilisation of the thread serving HTTP, between two scrapes (0–1), labelled by thread. */
function trackEventLoop(metrics: Metrics, thread: number): void {
  let last = performance.eventLoopUtilization();
  new Gauge({
    name: 'sluice_event_loop_utilization',
    help: 'Share of time the HTTP thread was busy since the previous scrape, by thread',
    labelNames: ['thread'],
    registers: [metrics.registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set({ thread: String(thread) }, Math.round(performance.eventLoopUtilization(now, last).utilization * 1000) / 1000);
      last = now;
    },
  });
}
