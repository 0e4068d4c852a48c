// A large, dense request body through the whole gateway: an 8 MiB chat body holding 335,000 card numbers, masked
// in the inspection pool. Prints the main thread's event-loop delay (p50/p99/max, perf_hooks histogram at 1 ms
// resolution) while such requests are in flight: the pool only helps if the main thread does not then spend
// O(body) applying the result. The mock provider and the client run on their own threads.
// Needs `npm run build`. Standalone: `node bench/micro/dense-body.bench.js [--quick]`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { stringify } from 'yaml';

const ROOT = new URL('../../', import.meta.url);
const CARDS = 335_000;

function peer(data) {
  const w = new Worker(new URL('bench/lib/dense-peer.js', ROOT), { workerData: { root: ROOT.href, ...data } });
  const next = () => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  return { w, next };
}

export async function run({ quick = false } = {}) {
  const { parseConfig } = await import(new URL('dist/config/load.js', ROOT).href);
  const { startSluice } = await import(new URL('dist/main.js', ROOT).href);
  const { silentLogger } = await import(new URL('dist/observe/logger.js', ROOT).href);
  const { ensureDemoIssuer, demoIssuerEntry, mintDemoToken } = await import(new URL('dist/demo/issuer.js', ROOT).href);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-dense-'));
  const mock = peer({ role: 'mock' });
  const { url: mockUrl } = await mock.next();
  const demo = await ensureDemoIssuer(join(dir, 'demo'));
  // The shipped analysts rule without its quotas (a dense body is ~2M prompt tokens: the daily quota would trip).
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'bench.yaml'), stringify({
    version: 1,
    rules: [{ id: 'analysts', match: { groups: ['analysts'] }, connections: ['openai'], detectors: { card: 'mask', ssn: 'mask', iban: 'mask', email: 'mask', phone: 'mask' } }],
  }));
  const config = {
    server: { host: '127.0.0.1', port: 0, maxBodyBytes: 16 * 1024 * 1024 },
    demo: { enabled: false },
    identity: { issuers: [demoIssuerEntry(demo)] },
    connections: [{ name: 'openai', provider: 'openai', baseUrl: `${mockUrl}/v1`, credential: 'sk-bench', default: true }],
    inspection: { pool: { minThreads: 1, maxThreads: 1, taskTimeoutMs: 60_000 } },
    policies: { dir: join(dir, 'policies'), watch: false, secret: '5eed'.repeat(16) },
    audit: { dir: join(dir, 'audit') },
    logging: { level: 'silent' },
  };
  const sluice = await startSluice(parseConfig(stringify(config), join(dir, 'sluice.yaml')), { logger: silentLogger() });
  const token = await mintDemoToken(join(dir, 'demo'), { subject: 'bench', groups: ['analysts'] });
  const client = peer({ role: 'client', url: sluice.url, token, cards: CARDS });
  const { bytes } = await client.next();
  const probe = peer({ role: 'probe', url: sluice.url });
  await probe.next();
  const rows = [];
  try {
    const send = async () => {
      client.w.postMessage('go');
      const r = await client.next();
      if (r.status !== 200) throw new Error(`dense body answered ${r.status}`);
      return r.ms;
    };
    await send(); // warm: pool thread, WASM memory grown to size, JIT
    const h = monitorEventLoopDelay({ resolution: 1 });
    const n = quick ? 2 : 5;
    const ms = [];
    h.enable();
    probe.w.postMessage('start');
    for (let i = 0; i < n; i++) ms.push(await send());
    probe.w.postMessage('stop');
    const probed = await probe.next();
    h.disable();
    const q = (p) => h.percentile(p) / 1e6;
    rows.push({
      name: `dense ${(bytes / 1048576).toFixed(1)} MiB body, ${CARDS} cards: event-loop delay p99 (ms)`,
      value: q(99),
      other: `p50 ${q(50).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms over ${n} requests; request ${Math.round(ms.reduce((a, b) => a + b) / n)} ms mean`,
    });
    // The histogram samples once per loop turn, so one long stall is one sample; the probe sees every 2 ms of it.
    rows.push({
      name: 'meanwhile, GET /healthz every 2 ms: latency p99 (ms)',
      value: probed.p99,
      other: `p50 ${probed.p50.toFixed(1)} ms, max ${probed.max.toFixed(1)} ms, ${probed.n} probes`,
    });
  } finally {
    await client.w.terminate();
    await probe.w.terminate();
    mock.w.postMessage('close');
    await mock.next();
    await mock.w.terminate();
    await sluice.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const r of await run({ quick: process.argv.includes('--quick') })) console.log(`${r.name.padEnd(64)} ${r.value.toFixed(1).padStart(7)}   (${r.other})`);
  process.exit(0);
}
