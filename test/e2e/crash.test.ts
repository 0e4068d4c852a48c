// kill -9 under load: with `audit.fsync: always` a response ends only once its record is durable, so after the
// crash every exchange a client saw complete has its record, the torn tail is repaired and verify passes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { REPO } from '../helpers/stack.js';
import { ensureDemoIssuer, demoIssuerEntry, mintDemoToken } from '../../src/demo/issuer.js';
import { startMockProvider, type MockProvider } from '../../src/demo/mock-provider.js';
import { createAuditWriter } from '../../src/audit/writer.js';
import { verifyAuditLog } from '../../src/audit/verify.js';

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider({ maxReceived: 0 });
});
afterAll(async () => mock?.close());

function startChild(configFile: string): Promise<{ kill: () => void; url: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin/sluice.js'), 'start', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1], kill: () => child.kill('SIGKILL') });
    });
    child.on('exit', (code) => reject(new Error(`sluice exited early (${code}): ${err}`)));
  });
}

describe('crash safety', () => {
  it.each([1, 2])('keeps a record for every response a client saw complete, after kill -9 under load (server.threads: %i)', async (threads) => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
    const demo = await ensureDemoIssuer(join(dir, 'demo'));
    const auditDir = join(dir, 'audit');
    const file = join(dir, 'sluice.yaml');
    writeFileSync(
      file,
      stringify({
        server: { host: '127.0.0.1', port: 0, threads },
        identity: { issuers: [demoIssuerEntry(demo)] },
        connections: [{ name: 'openai', provider: 'openai', baseUrl: `${mock.url}/v1`, credential: 'sk-upstream' }],
        policies: { dir: join(REPO, 'policies'), watch: false, secret: 'crash-test' },
        audit: { dir: auditDir, fsync: 'always', payloads: 'truncated' },
        logging: { level: 'silent' },
      }),
    );
    const token = await mintDemoToken(join(dir, 'demo'), { subject: 'crash-user', groups: ['streaming-jobs'], job: 'crash-job' });
    const sluice = await startChild(file);
    const pool = new Pool(sluice.url, { connections: 16 });
    let completed = 0;
    let sent = 0;
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111 please' }] });
    const worker = async () => {
      for (;;) {
        sent++;
        try {
          const r = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
          await r.body.text();
          if (r.statusCode === 200) completed++;
          if (completed === 60) sluice.kill(); // mid-load, with requests in flight
        } catch {
          return; // the gateway is gone
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await pool.destroy();
    expect(completed).toBeGreaterThanOrEqual(60);

    // The next start repairs a torn tail (the writer's recovery), then the chain verifies.
    await createAuditWriter({ dir: auditDir, fsync: 'always' }).close();
    const report = await verifyAuditLog({ dir: auditDir });
    expect(report.errors).toBe(0);
    const records = readdirSync(auditDir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(auditDir, f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l))
      .filter((r) => r.kind === 'exchange');
    const ok = records.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(completed); // nothing a client saw complete is missing
    expect(records.length).toBeLessThanOrEqual(sent);
    expect(JSON.stringify(records)).not.toContain('4111 1111 1111 1111');
  }, 30_000);
});
