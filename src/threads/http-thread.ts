// Entry of one HTTP thread (worker_threads): its own front end on the shared port, gateway, inspection and upstream
// pools. Quotas, the token vault, approvals, the audit chain and admin routes are the main thread's, reached over the
// channel (remote.ts). Started by owner.ts with the resolved configuration and the policy's source files.
import { parentPort, workerData } from 'node:worker_threads';
import type { SluiceConfig } from '../config/schema.js';
import { createLogger } from '../observe/logger.js';
import { createMetrics } from '../observe/metrics.js';
import { createAuthenticator } from '../auth/authenticate.js';
import { createPolicyStep } from '../policy/step.js';
import { createSpend } from '../spend/index.js';
import { loadPolicySources, formatIssue, type PolicySource } from '../policy/load.js';
import type { Policy } from '../policy/types.js';
import { startPipeline, type Pipeline } from '../pipeline.js';
import { createChannel } from './channel.js';
import { CALLS, remoteAdmin, remoteApprovals, remoteAudit, remoteOperations, remoteQuotas, remoteVault } from './remote.js';

export interface HttpThreadData {
  index: number;
  config: SluiceConfig;
  secret: string;
  policy: PolicySource[];
  /** In-flight exchanges per thread (Int32Array view), read by the main thread. */
  cells: SharedArrayBuffer;
}

export interface ThreadReady {
  port: number;
  engine: Pipeline['server']['engine'];
}

if (!parentPort) throw new Error('http-thread.js runs as a worker thread');
const port = parentPort;
const data = workerData as HttpThreadData;
const ch = createChannel(port);
const config = data.config;
const logger = createLogger(config.logging.level).child({ thread: data.index });
let pipeline: Pipeline | undefined;
let exiting = false;

function compile(sources: PolicySource[]): Policy {
  const r = loadPolicySources(sources);
  if (!r.ok) throw new Error(`policy from the main thread does not compile: ${r.issues.map(formatIssue).join('; ')}`);
  return r.policy;
}

async function start(): Promise<void> {
  // Process metrics (CPU, RSS) describe the whole process: the main thread's registry exports them once.
  const telemetry = config.telemetry.metrics;
  const metrics = createMetrics({ maxJobs: telemetry.jobLabels ? telemetry.maxJobs : 0 });
  let policy = compile(data.policy);
  // A reload reaches this thread as the files the main thread compiled: every thread runs the same policy.
  ch.on(CALLS.policy, (sources: PolicySource[]) => {
    try {
      policy = compile(sources);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'policy reload failed on an HTTP thread; keeping the previous policy');
    }
  });
  const auth = createAuthenticator(config.identity);
  const audit = remoteAudit(ch, config.audit, logger);
  ch.on(CALLS.auditRefusing, (r: boolean) => audit.setRefusing(r));
  const quotas = remoteQuotas(ch);
  pipeline = await startPipeline({
    config,
    logger,
    metrics,
    auth,
    policy: createPolicyStep({ current: () => policy }, data.secret, quotas, createSpend(config.spend, quotas, metrics)),
    audit,
    approvals: remoteApprovals(ch),
    admin: remoteAdmin(ch),
    vault: remoteVault(ch),
    operations: remoteOperations(ch),
    inFlightCell: { cells: new Int32Array(data.cells), index: data.index },
    thread: data.index,
    reusePort: true,
  });
  const p = pipeline;
  ch.on(CALLS.metrics, () => metrics.snapshot());
  ch.on(CALLS.readiness, () => p.gateway.readiness());
  ch.on(CALLS.close, async (phase: 'drain' | 'close') => {
    if (phase === 'drain') return p.drain();
    await p.drain();
    await p.close();
    auth.close();
    exitSoon(0);
  });
  const ready: ThreadReady = { port: p.server.port, engine: p.server.engine };
  ch.notify(CALLS.ready, ready);
}

/** After the answer in flight has been posted (the channel flushes on setImmediate). */
function exitSoon(code: number): void {
  if (exiting) return;
  exiting = true;
  setTimeout(() => process.exit(code), 20);
}

async function fatal(err: unknown): Promise<void> {
  logger.error({ err: err instanceof Error ? err.message : String(err) }, 'HTTP thread failed; the main thread starts another');
  logger.flush();
  // uWS must be closed by its own thread: a worker terminated with a live app takes the whole process down.
  await pipeline?.close().catch(() => undefined);
  exitSoon(1);
}

process.on('uncaughtException', (err) => void fatal(err));
process.on('unhandledRejection', (err) => void fatal(err));

start().catch((err: unknown) => {
  ch.notify('failed', err instanceof Error ? err.message : String(err));
  void fatal(err);
});
