// kill -9 under load: what clients saw acknowledged is on disk, recovery repairs any torn tail, verify passes.
// Runs the compiled writer (dist/), which `npm test` builds before vitest; skipped when dist is absent.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/writer.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { auditFiles, memoryLogger, tmpDir } from './helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const built = existsSync(join(here, '../../dist/audit/writer.js'));

function runUntilAcked(dir: string, fsync: string, target: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'fixtures/crash-writer.mjs'), dir, fsync], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = 0;
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() as string;
      for (const l of lines) acked = Math.max(acked, Number(l.slice(4)));
      if (acked >= target && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

describe.skipIf(!built)('audit writer under kill -9', () => {
  it.each(['group', 'always'])('keeps every acknowledged record (fsync=%s)', async (fsync) => {
    const dir = tmpDir();
    const acked = await runUntilAcked(dir, fsync, 1500);
    // Restart: recovery runs, then the chain continues.
    const logger = memoryLogger();
    const w = createAuditWriter({ dir, logger });
    const onDisk = w.stats.seq;
    w.append({ kind: 'exchange', requestId: 'after-restart' });
    await w.close();
    expect(onDisk).toBeGreaterThanOrEqual(acked);
    const report = await verifyAuditLog({ dir });
    expect(report.issues).toEqual([]);
    expect(report).toMatchObject({ ok: true, records: onDisk + 1, lastSeq: onDisk + 1 });
    // Seqs on disk are exactly 1..n: nothing acknowledged is missing and nothing is duplicated.
    const seqs = auditFiles(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l).seq));
    expect(seqs).toEqual(Array.from({ length: onDisk + 1 }, (_, i) => i + 1));
  });
});
