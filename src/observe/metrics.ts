// Every metric Sluice exports, on a prom-client registry of its own (never prom-client's global one): each HTTP
// thread can hold one, and the thread that serves /metrics merges them (mergeMetrics below).
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

type Labels = Record<string, string | number>;

const SECONDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const FIRST_TOKEN = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
const FSYNC = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export interface MetricsOptions {
  /**
   * prom-client's default metrics (process CPU, RSS, heap, event-loop lag, GC, handles) on this registry. They
   * describe the whole process (CPU, RSS) or the calling thread (heap, lag, GC): turn them on for one registry per
   * process, the one of the thread that serves /metrics.
   */
  process?: boolean;
  /** Distinct values kept for the `model` and `group` labels; later ones are counted as `other`. */
  maxModels?: number;
  maxGroups?: number;
  /** Label token counts by job (opt-in: jobs are caller-supplied); at most this many jobs, 0 = no job label. */
  maxJobs?: number;
}

/** A gauge read when scraped, from functions the parts that own the values register. */
export interface SampledGauge {
  readonly gauge: Gauge;
  /** Registers (or replaces) the reader of one label set. */
  track(labels: Labels, read: () => number): void;
}

function sampled(registry: Registry, name: string, help: string, labelNames: string[] = []): SampledGauge {
  const readers = new Map<string, { labels: Labels; read: () => number }>();
  const gauge = new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const { labels, read } of readers.values()) this.set(labels, read());
    },
  });
  return {
    gauge,
    track(labels, read) {
      readers.set(JSON.stringify(labels), { labels, read });
    },
  };
}

/** Counters whose values another component keeps (e.g. the audit writer's stats): copied in when scraped. */
function mirrored(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  const readers = new Map<string, { labels: Labels; read: () => number }>();
  const counter = new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      if (readers.size === 0) return;
      this.reset();
      for (const { labels, read } of readers.values()) this.inc(labels, read());
    },
  });
  return {
    counter,
    track(labels: Labels, read: () => number) {
      readers.set(JSON.stringify(labels), { labels, read });
    },
  };
}

/**
 * A counter with a hot-path `add`: increments are kept per label set and added to the counter when it is collected
 * (every exposition and snapshot collects first). The label values, given in `order`, index nested maps, so an
 * increment builds no key string and skips prom-client's validation and hashing (issue 13 §2: those were ~1.5 µs
 * per call). `inc` still works as usual; both end up in the same series.
 */
export type BatchedCounter = Counter & {
  add(values: ReadonlyArray<string | number>, by?: number): void;
};

interface Cell {
  labels: Labels;
  n: number;
  /** Added once: a series exists from its first increment on, even one of 0. */
  shown: boolean;
}

function batched(registry: Registry, name: string, help: string, labelNames: string[], order: readonly string[]): BatchedCounter {
  for (const n of order) if (!labelNames.includes(n)) throw new Error(`metrics: ${name} has no label ${n}`);
  const root = new Map<string | number, unknown>();
  const cells: Cell[] = [];
  const counter = new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const c of cells) {
        if (c.n === 0 && c.shown) continue;
        const n = c.n;
        c.n = 0;
        c.shown = true;
        this.inc(c.labels, n);
      }
    },
  });
  function cellOf(values: ReadonlyArray<string | number>): Cell {
    let node = root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(values[i]) as Map<string | number, unknown> | undefined;
      if (next === undefined) node.set(values[i], (next = new Map()));
      node = next;
    }
    let cell = node.get(values[last]) as Cell | undefined;
    if (cell === undefined) {
      const labels: Labels = {};
      for (let i = 0; i < order.length; i++) labels[order[i]] = values[i];
      cell = { labels, n: 0, shown: false };
      node.set(values[last], cell);
      cells.push(cell);
    }
    return cell;
  }
  return Object.assign(counter, {
    add(values: ReadonlyArray<string | number>, by = 1) {
      if (values.length !== order.length) throw new Error(`metrics: ${name} takes ${order.length} label values`);
      // A counter never decreases; a value prom-client would refuse is dropped here, not at the next scrape.
      if (!(by >= 0) || by === Infinity) return;
      cellOf(values).n += by;
    },
  });
}

/** Keeps a label's distinct values bounded: the first `max` seen pass, later ones become `other`. */
export function cappedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return function capped(value) {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  if (opts.process) collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) => new Histogram({ name, help, labelNames, buckets, registers: [registry] });
  const maxJobs = opts.maxJobs ?? 0;
  const m = {
    registry,
    requests: batched(registry, 'sluice_requests_total', 'Requests by connection, route, status and decision', ['connection', 'route', 'status', 'decision'], ['connection', 'route', 'status', 'decision']),
    inFlight: sampled(registry, 'sluice_requests_in_flight', 'Exchanges being handled (held for approval included)'),
    duration: histogram('sluice_request_duration_seconds', 'Total request duration as seen by Sluice', ['connection'], SECONDS),
    overhead: histogram('sluice_overhead_seconds', "Sluice's own time per request (total minus upstream and approval waits)", ['connection'], SECONDS),
    firstToken: histogram('sluice_time_to_first_token_seconds', 'Streamed responses: request start to the first body bytes sent to the client', ['connection', 'model'], FIRST_TOKEN),
    tokens: batched(registry, 'sluice_tokens_total', 'Tokens reported by the provider, by direction (input, output; cached_input: the part of input read from the prompt cache), resolved model, group and (opt-in) job', maxJobs > 0 ? ['direction', 'model', 'group', 'job'] : ['direction', 'model', 'group'], maxJobs > 0 ? ['model', 'group', 'job', 'direction'] : ['model', 'group', 'direction']),
    upstreamErrors: counter('sluice_upstream_errors_total', 'Upstream failures by connection and code', ['connection', 'code']),
    upstreamConnections: sampled(registry, 'sluice_upstream_connections', 'Upstream pool connections by connection and state (busy, free) and requests queued for one (pending)', ['connection', 'state']),
    findings: batched(registry, 'sluice_findings_total', 'Detector findings by detector and action', ['detector', 'action'], ['detector', 'action']),
    inspectionFailures: counter('sluice_inspection_failures_total', 'Inspection failures (requests failed closed) by reason; overloaded = refused by a full pool queue', ['reason']),
    inspectionTime: histogram('sluice_inspection_seconds', 'Request inspection time by where it ran (inline, pool: queue wait included)', ['where'], SECONDS),
    inspectionQueue: sampled(registry, 'sluice_inspection_queue_depth', 'Tasks waiting for an inspection worker'),
    inspectionThreads: sampled(registry, 'sluice_inspection_threads', 'Inspection pool worker threads'),
    authFailures: counter('sluice_auth_failures_total', 'Authentication failures by code', ['code']),
    approvalsHeld: sampled(registry, 'sluice_approvals_held', 'Requests held open waiting for a reviewer'),
    approvalEvents: counter('sluice_approval_events_total', 'Approval state changes: requested, approved, denied, expired (timed out), cancelled', ['event']),
    quotaRefusals: counter('sluice_quota_refusals_total', 'Requests refused because a quota was exhausted'),
    spend: batched(registry, 'sluice_spend_total', 'Cost of exchanges by the price table (spend.prices), in spend.currency, by resolved model, group and (opt-in) job, labelled as sluice_tokens_total', maxJobs > 0 ? ['model', 'group', 'job'] : ['model', 'group'], maxJobs > 0 ? ['model', 'group', 'job'] : ['model', 'group']),
    budgetRefusals: counter('sluice_budget_refusals_total', 'Requests refused because a spend budget was used up, by budget', ['budget']),
    shadow: counter('sluice_shadow_calls_total', 'Shadow-AI calls seen by the egress proxy by host and action', ['host', 'action']),
    egress: counter('sluice_egress_calls_total', 'Calls decided by the egress proxy by action and reason (host, signature, default, protected:<class>, auth, malformed)', ['action', 'reason']),
    storeErrors: counter('sluice_store_errors_total', 'Shared-store (Redis) failures by store', ['store']),
    storeUp: sampled(registry, 'sluice_store_up', '1 while the shared store (Redis) is connected and ready, 0 while it is not', ['store']),
    backpressure: counter('sluice_backpressure_pauses_total', 'Times upstream reading was paused because a client read too slowly', ['connection']),
    auditFailures: counter('sluice_audit_failures_total', 'Exchanges refused or records dropped because the audit trail could not be made durable, by outcome', ['outcome']),
    auditHealthy: sampled(registry, 'sluice_audit_healthy', '1 while audit records are written and synced, 0 while the disk refuses writes'),
    auditRecords: mirrored(registry, 'sluice_audit_records_total', 'Audit records by outcome: appended (accepted), durable (written and synced), dropped', ['outcome']),
    auditBytes: mirrored(registry, 'sluice_audit_bytes_total', 'Bytes of audit records appended'),
    auditSync: histogram('sluice_audit_fsync_seconds', 'Audit batch write + fdatasync latency', [], FSYNC),
    routeAttempts: counter('sluice_route_attempts_total', 'Attempts of routed requests by target (connection, model), outcome (committed, retried, failed) and status or error code', ['connection', 'model', 'outcome', 'status']),
    routeRetries: counter('sluice_route_retries_total', 'Retries of routed requests by the connection that failed and the cause (status or error code)', ['connection', 'reason']),
    retryBudgetExhausted: counter('sluice_route_retry_budget_exhausted_total', "Retries refused because the failing connection's retry budget was used up", ['connection']),
    circuitOpened: counter('sluice_circuit_opened_total', 'Times the circuit breaker of a target opened', ['connection', 'model']),
    circuitOpen: sampled(registry, 'sluice_circuit_open', 'HTTP threads on which the circuit breaker of a target is open or half-open (0: closed everywhere)', ['connection', 'model']),
    targetInFlight: sampled(registry, 'sluice_route_target_in_flight', 'Attempts open on a routed target', ['connection', 'model']),
    auditDbLagRecords: sampled(registry, 'sluice_audit_db_lag_records', 'Durable audit records not yet in the PostgreSQL store'),
    auditDbLagSeconds: sampled(registry, 'sluice_audit_db_lag_seconds', 'Seconds since the PostgreSQL store last held every durable audit record (0 while it does)'),
    auditDbShipped: mirrored(registry, 'sluice_audit_db_shipped_records_total', 'Audit records this process inserted into the PostgreSQL store'),
    /** Label values for token usage, bounded (see MetricsOptions). */
    labels: {
      model: cappedLabel(opts.maxModels ?? 64),
      group: cappedLabel(opts.maxGroups ?? 64),
      job: maxJobs > 0 ? cappedLabel(maxJobs) : undefined,
    },
    /** Prometheus text exposition of this registry alone. */
    render(): Promise<string> {
      return registry.metrics();
    },
    /** This registry as JSON, for an owner thread to merge (mergeMetrics). */
    snapshot(): Promise<MetricsSnapshot> {
      return registry.getMetricsAsJSON() as Promise<MetricsSnapshot>;
    },
    contentType: registry.contentType,
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * One exposition from several registries' snapshots (one per HTTP thread): counters, histograms and gauges are
 * summed per label set (prom-client's cluster aggregation); default process metrics keep their own aggregators.
 */
export function mergeMetrics(snapshots: MetricsSnapshot[]): Promise<string> {
  return AggregatorRegistry.aggregate(snapshots).metrics();
}
