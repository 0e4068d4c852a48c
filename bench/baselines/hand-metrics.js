// The hand-written registry /metrics used before prom-client (issue 17), kept as the baseline of
// bench/micro/metrics.bench.js: the metric hot path must stay as fast as it was.
const escapeValue = (v) => String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
// Label sets repeat (a handful of connections × routes × statuses): remember their rendered keys.
const keyCache = new Map();
const MAX_KEYS = 10_000;
function keyOf(labels) {
    const names = Object.keys(labels).sort();
    let raw = '';
    for (const k of names)
        raw += `${k}\u0000${labels[k]}\u0001`;
    let key = keyCache.get(raw);
    if (key === undefined) {
        key = names.map((k) => `${k}="${escapeValue(labels[k])}"`).join(',');
        if (keyCache.size >= MAX_KEYS)
            keyCache.clear();
        keyCache.set(raw, key);
    }
    return key;
}
export class Counter {
    name;
    help;
    values = new Map();
    constructor(name, help) {
        this.name = name;
        this.help = help;
    }
    inc(labels = {}, by = 1) {
        const k = keyOf(labels);
        this.values.set(k, (this.values.get(k) ?? 0) + by);
    }
    get(labels = {}) {
        return this.values.get(keyOf(labels)) ?? 0;
    }
    render() {
        let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
        for (const [k, v] of this.values)
            s += `${this.name}${k ? `{${k}}` : ''} ${v}\n`;
        return s;
    }
}
export class Gauge {
    name;
    help;
    values = new Map();
    constructor(name, help) {
        this.name = name;
        this.help = help;
    }
    set(labels, read) {
        this.values.set(keyOf(labels), read);
    }
    render() {
        let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
        for (const [k, read] of this.values)
            s += `${this.name}${k ? `{${k}}` : ''} ${read()}\n`;
        return s;
    }
}
export class Histogram {
    name;
    help;
    buckets;
    series = new Map();
    constructor(name, help, buckets) {
        this.name = name;
        this.help = help;
        this.buckets = buckets;
    }
    observe(labels, value) {
        const k = keyOf(labels);
        let s = this.series.get(k);
        if (!s) {
            s = { counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
            this.series.set(k, s);
        }
        // Buckets are few (≤ 16): a linear scan beats a binary search here.
        for (let i = 0; i < this.buckets.length; i++)
            if (value <= this.buckets[i]) {
                s.counts[i]++;
                break;
            }
        s.sum += value;
        s.count++;
    }
    render() {
        let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
        for (const [k, s] of this.series) {
            const sep = k ? `${k},` : '';
            let cum = 0;
            for (let i = 0; i < this.buckets.length; i++) {
                cum += s.counts[i];
                out += `${this.name}_bucket{${sep}le="${this.buckets[i]}"} ${cum}\n`;
            }
            out += `${this.name}_bucket{${sep}le="+Inf"} ${s.count}\n`;
            out += `${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}\n${this.name}_count${k ? `{${k}}` : ''} ${s.count}\n`;
        }
        return out;
    }
}
const SECONDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Every metric Sluice exports. Later steps add theirs here so /metrics stays one list. */
export function createMetrics() {
    const m = {
        requests: new Counter('sluice_requests_total', 'Requests by connection, route, status and decision'),
        duration: new Histogram('sluice_request_duration_seconds', 'Total request duration as seen by Sluice', SECONDS),
        overhead: new Histogram('sluice_overhead_seconds', "Sluice's own time per request (total minus upstream and approval waits)", SECONDS),
        upstreamErrors: new Counter('sluice_upstream_errors_total', 'Upstream failures by connection and kind'),
        findings: new Counter('sluice_findings_total', 'Detector findings by detector and action'),
        inspectionFailures: new Counter('sluice_inspection_failures_total', 'Inspection failures (requests failed closed) by reason'),
        authFailures: new Counter('sluice_auth_failures_total', 'Authentication failures by code'),
        shadow: new Counter('sluice_shadow_calls_total', 'Shadow-AI calls seen by the egress proxy by host and action'),
        egress: new Counter('sluice_egress_calls_total', 'Calls decided by the egress proxy by action and reason (host, signature, default, protected:<class>, auth, malformed)'),
        storeErrors: new Counter('sluice_store_errors_total', 'Shared-store (Redis) failures by store'),
        backpressure: new Counter('sluice_backpressure_pauses_total', 'Times upstream reading was paused because a client read too slowly'),
        auditFailures: new Counter('sluice_audit_failures_total', 'Exchanges refused or records dropped because the audit trail could not be made durable, by outcome'),
        auditHealthy: new Gauge('sluice_audit_healthy', '1 while audit records are written and synced, 0 while the disk refuses writes'),
        gauges: new Gauge('sluice_gauge', 'Point-in-time values (in-flight requests, pool queue, ...)'),
        render() {
            return [m.requests, m.duration, m.overhead, m.upstreamErrors, m.findings, m.inspectionFailures, m.authFailures, m.shadow, m.egress, m.backpressure, m.storeErrors, m.auditFailures, m.auditHealthy, m.gauges]
                .map((x) => x.render())
                .join('');
        },
    };
    return m;
}
