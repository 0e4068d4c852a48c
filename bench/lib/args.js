// Command-line options of `npm run bench`, validated up front with exact messages.
import { parseArgs } from 'node:util';
import { DEFAULT_BUDGETS, REFERENCE_RATE } from './check.js';
import { parseAxes } from './sweep-spec.js';

export const USAGE = `usage: npm run bench -- [options] [--sweep key=v1,v2 ...]
  --quick                 ~30 s smoke run (one rate, short phases, 200 slow streams)
  --rates 500,1000,2000   open-loop rates in req/s
  --duration 5            seconds per open-loop rate and per throughput run
  --connections 64        closed-loop concurrency for the throughput ceiling
  --streams 1000          concurrent slow SSE streams for the memory phase
  --latency-ms 0          mock upstream delay before response headers
  --targets LIST          subset of direct,sluice,sluice-node,naive,nginx,portkey (sluice-node: server.engine node)
  --only micro|macro      run one half only
  --repeat N              repeat the macro phases N times, report medians
  --peers                 also measure the Portkey gateway (installed on demand into bench/.peers)
  --soak                  RSS drift of Sluice over a soak (--soak-minutes 5, --soak-rate 500)
  --check                 exit 1 when budgets are exceeded (--budget-p99-ms 9, --budget-ttft-ms 1,
                          --budget-cpu-ratio 1.3: Sluice's CPU per request ÷ the naive proxy's)
  --threads 1,2           also measure Sluice's throughput and CPU per request at each server.threads
  --db URL                also measure the PostgreSQL audit store (default $SLUICE_AUDIT_DB): Sluice's CPU per
                          request with audit.sinks [file, postgres] vs [file], and the catch-up rate after an outage
  --sweep k=v1,v2 ...     tuning matrix over Sluice config keys; prints the best setting
  --help`;

const TARGETS = ['direct', 'sluice', 'sluice-node', 'naive', 'nginx', 'portkey'];

function num(name, raw, { min = 0, max = Infinity, integer = false } = {}) {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function list(name, raw, parse) {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`--${name} must not be empty`);
  return items.map(parse);
}

function dbUrl(raw) {
  if (raw === undefined || raw === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new Error('--db must be a postgres:// URL');
  return raw;
}

export function parseBenchArgs(argv) {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      rates: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      streams: { type: 'string' },
      'latency-ms': { type: 'string' },
      targets: { type: 'string' },
      only: { type: 'string' },
      repeat: { type: 'string' },
      peers: { type: 'boolean' },
      soak: { type: 'boolean' },
      'soak-minutes': { type: 'string' },
      'soak-rate': { type: 'string' },
      check: { type: 'boolean' },
      'budget-p99-ms': { type: 'string' },
      'budget-ttft-ms': { type: 'string' },
      'budget-cpu-ratio': { type: 'string' },
      threads: { type: 'string' },
      db: { type: 'string' },
      sweep: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (positionals.length > 0 && !v.sweep) throw new Error(`unexpected argument "${positionals[0]}" (sweep axes need --sweep)`);
  if (v.sweep && positionals.length === 0) throw new Error('--sweep needs at least one axis, e.g. inspection.pool.maxThreads=1,2,4');
  if (v.only !== undefined && v.only !== 'micro' && v.only !== 'macro') throw new Error(`--only must be micro or macro, got "${v.only}"`);
  const quick = v.quick === true;
  const check = v.check === true;
  let rates = list('rates', v.rates, (s) => num('rates', s, { min: 1, max: 100_000, integer: true })) ?? (quick ? [REFERENCE_RATE] : [500, 1000, 2000]);
  // The gate is defined at the reference rate: measure it even when --rates leaves it out.
  if (check && !rates.includes(REFERENCE_RATE)) rates = [...rates, REFERENCE_RATE];
  const targets = list('targets', v.targets, (s) => {
    if (!TARGETS.includes(s)) throw new Error(`--targets: unknown target "${s}" (known: ${TARGETS.join(', ')})`);
    return s;
  });
  return {
    help: v.help === true,
    quick,
    rates: [...new Set(rates)].sort((a, b) => a - b),
    durationMs: (num('duration', v.duration, { min: 0.5, max: 600 }) ?? (quick ? 2 : 5)) * 1000,
    connections: num('connections', v.connections, { min: 1, max: 4096, integer: true }) ?? 64,
    streams: num('streams', v.streams, { min: 1, max: 10_000, integer: true }) ?? (quick ? 200 : 1000),
    latencyMs: num('latency-ms', v['latency-ms'], { min: 0, max: 10_000, integer: true }) ?? 0,
    targets: targets ?? ['direct', 'sluice', 'sluice-node', 'naive', 'nginx', ...(v.peers ? ['portkey'] : [])],
    micro: v.only !== 'macro' && !v.sweep,
    macro: v.only !== 'micro',
    repeat: num('repeat', v.repeat, { min: 1, max: 20, integer: true }) ?? 1,
    peers: v.peers === true,
    soak: v.soak === true,
    soakMinutes: num('soak-minutes', v['soak-minutes'], { min: 0.5, max: 60 }) ?? 5,
    soakRate: num('soak-rate', v['soak-rate'], { min: 1, max: 20_000, integer: true }) ?? 500,
    check,
    budgets: {
      p99Ms: num('budget-p99-ms', v['budget-p99-ms'], { min: 0 }) ?? DEFAULT_BUDGETS.p99Ms,
      ttftMs: num('budget-ttft-ms', v['budget-ttft-ms'], { min: 0 }) ?? DEFAULT_BUDGETS.ttftMs,
      cpuRatio: num('budget-cpu-ratio', v['budget-cpu-ratio'], { min: 0 }) ?? DEFAULT_BUDGETS.cpuRatio,
    },
    threads: list('threads', v.threads, (s) => num('threads', s, { min: 1, max: 256, integer: true })),
    auditDb: dbUrl(v.db ?? process.env.SLUICE_AUDIT_DB),
    sweep: v.sweep ? parseAxes(positionals) : undefined,
  };
}
