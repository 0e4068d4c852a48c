// The metric updates every exchange makes (gateway.ts observe(): one counter, two histograms, findings), on
// prom-client (src/observe/metrics.ts) against the hand-written registry it replaced (bench/baselines/hand-metrics.js).
import { Bench } from 'tinybench';
import { createMetrics as handMetrics } from '../baselines/hand-metrics.js';

const CONNECTIONS = ['openai', 'anthropic', 'azure'];
const ROUTES = ['chat.completions', 'messages', 'embeddings'];

function exchange(m, i) {
  const connection = CONNECTIONS[i % 3];
  m.requests.inc({ connection, route: ROUTES[i % 3], status: i % 50 === 0 ? 403 : 200, decision: i % 50 === 0 ? 'blocked' : 'allowed' });
  const c = { connection };
  m.duration.observe(c, 0.05 + (i % 100) / 1000);
  m.overhead.observe(c, 0.0004 + (i % 10) / 10_000);
  if (i % 4 === 0) m.findings.inc({ detector: 'card', action: 'mask' }, 1);
}

export async function run({ time }) {
  const { createMetrics } = await import('../../dist/observe/metrics.js');
  const prom = createMetrics();
  const hand = handMetrics();
  let a = 0;
  let b = 0;
  const bench = new Bench({ name: 'metrics', time });
  bench
    .add('hand-written registry (before): one exchange', () => exchange(hand, a++))
    .add('prom-client registry (src/observe/metrics.ts): one exchange', () => exchange(prom, b++));
  await bench.run();
  const text = await prom.render();
  if (!text.includes('sluice_requests_total{connection="openai",route="chat.completions",status="200",decision="allowed"}')) throw new Error('prom-client rows measured nothing');
  return bench;
}
