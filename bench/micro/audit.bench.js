// Audit append per record on the main thread (canonicalize + SHA-256 chain + enqueue): what every
// exchange pays before the writer's batched, asynchronous disk I/O.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';

function record(i, bodyBytes) {
  return {
    kind: 'exchange',
    requestId: `req-${i}`,
    identity: { subject: 'bench-analyst', groups: ['analysts'], job: null, session: 's-1' },
    connection: 'openai',
    route: 'chat.completions',
    model: 'gpt-4o-mini',
    stream: false,
    decision: 'masked',
    findings: [{ detector: 'card', type: 'card', action: 'mask', count: 2 }],
    request: { mode: 'truncated', bytes: bodyBytes, text: 'x'.repeat(Math.min(bodyBytes, 8192)) },
    response: { mode: 'truncated', bytes: 512, text: 'y'.repeat(512) },
    usage: { input: 900, output: 120, total: 1020 },
    status: 200,
    latency: { totalMs: 1.2 },
  };
}

export async function run({ time }) {
  const { createAuditWriter } = await import('../../dist/audit/writer.js');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-audit-'));
  const quiet = { info() {}, warn() {}, error() {} };
  // A tight loop never yields to the writer's disk side, so let the backlog grow instead of dropping records
  // (the gateway yields between requests; this measures the main-thread cost per append alone).
  const writer = createAuditWriter({ dir, fsync: 'group', logger: quiet, maxPendingBytes: 2 ** 31 });
  const small = record(0, 300);
  const large = record(0, 4096);
  let i = 0;
  const bench = new Bench({ name: 'audit', time });
  bench
    .add('append: small record', () => {
      small.requestId = `req-${i++}`;
      if (writer.append(small) < 0) throw new Error('record dropped');
    })
    .add('append: 4 KiB request capture', () => {
      large.requestId = `req-${i++}`;
      if (writer.append(large) < 0) throw new Error('record dropped');
    });
  await bench.run();
  await writer.close();
  rmSync(dir, { recursive: true, force: true });
  return bench;
}
