import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/audit/cli.js';
import { keysCommand, KEY_FILES } from '../../src/audit/keys.js';
import { createAuditWriter } from '../../src/audit/writer.js';
import { captureIo, memoryLogger, sampleRecord, tmpDir, writeLog } from './helpers.js';

describe('sluice audit search', () => {
  it('filters by subject, session, decision and detector as JSON lines', async () => {
    const dir = tmpDir();
    await writeLog(dir, 12);
    const c = captureIo();
    expect(await auditCommand(['search', '--dir', dir, '--subject', 'bob', '--detector', 'card', '--json'], c.io)).toBe(0);
    const recs = c.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((r) => r.requestId)).toEqual(['req-4', 'req-8', 'req-12']);
    expect(recs.every((r) => r.decision === 'masked' && r.identity.subject === 'bob')).toBe(true);
  });

  it.each([
    [['--session', 's-1'], ['req-1', 'req-4', 'req-7', 'req-10']],
    [['--decision', 'masked', '--session', 's-2'], ['req-8']],
    [['--job', 'nope'], []],
    [['--kind', 'exchange', '--subject', 'alice', '--session', 's-0'], ['req-3', 'req-9']],
  ])('filter %j', async (args, ids) => {
    const dir = tmpDir();
    await writeLog(dir, 12);
    const c = captureIo();
    const code = await auditCommand(['search', '--dir', dir, '--json', ...args], c.io);
    expect(code).toBe(ids.length > 0 ? 0 : 1);
    expect(c.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l).requestId)).toEqual(ids);
  });

  it('filters by time range (ISO and relative)', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, logger: memoryLogger() });
    w.append({ ...sampleRecord(1), time: '2024-01-01T00:00:00.000Z' });
    w.append({ ...sampleRecord(2), time: '2024-06-01T00:00:00.000Z' });
    w.append(sampleRecord(3));
    await w.close();
    const run = async (...args: string[]) => {
      const c = captureIo();
      await auditCommand(['search', '--dir', dir, '--json', ...args], c.io);
      return c.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l).requestId);
    };
    expect(await run('--since', '2024-03-01', '--until', '2024-12-31')).toEqual(['req-2']);
    expect(await run('--since', '1h')).toEqual(['req-3']);
    expect(await run('--until', '2024-06-01T00:00:00.000Z')).toEqual(['req-1']);
  });

  it('prints a table with a header and one row per record', async () => {
    const dir = tmpDir();
    await writeLog(dir, 3);
    const c = captureIo();
    await auditCommand(['search', '--dir', dir, '--session', 's-1'], c.io);
    const rows = c.stdout().trimEnd().split('\n');
    expect(rows[0]).toMatch(/^TIME\s+SEQ\s+KIND\s+SUBJECT\s+JOB\s+SESSION\s+MODEL\s+DECISION\s+STATUS\s+FINDINGS$/);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(/\s1\s+exchange\s+alice\s+etl-7\s+s-1\s+gpt-4o-mini\s+allowed\s+200\s+-$/);
  });

  it('rejects a bad time with a usage error', async () => {
    const c = captureIo();
    expect(await auditCommand(['search', '--dir', tmpDir(), '--since', 'yesterday-ish'], c.io)).toBe(2);
    expect(c.stderr()).toContain('not a time: yesterday-ish');
  });
});

describe('sluice audit replay', () => {
  it('shows the session turn by turn with the last user message and the assistant text', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, logger: memoryLogger() });
    w.append({
      ...sampleRecord(1, 'sess-9'),
      request: { mode: 'full', bytes: 0, text: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'old' }, { role: 'assistant', content: 'x' }, { role: 'user', content: [{ type: 'text', text: 'My card is ****-****-****-4242' }] }] }) },
      response: { mode: 'full', bytes: 0, text: 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Noted, card ending 4242."}}\n\n' },
      decision: 'masked',
      findings: [{ detector: 'card', type: 'card', action: 'mask', count: 1 }],
    });
    w.append(sampleRecord(2, 'other'));
    w.append({ ...sampleRecord(3, 'sess-9'), request: { mode: 'truncated', bytes: 5000, text: '{"messages":[{"role":"user","content":"cut \u001b[31mred' } });
    await w.close();
    const c = captureIo();
    expect(await auditCommand(['replay', 'sess-9', '--dir', dir], c.io)).toBe(0);
    const out = c.stdout();
    expect(out).toContain('Session sess-9');
    expect(out).toMatch(/#1 .*request req-1/);
    expect(out).toMatch(/#2 .*request req-3/);
    expect(out).not.toContain('req-2');
    expect(out).toMatch(/user\s+│ My card is \*\*\*\*-\*\*\*\*-\*\*\*\*-4242/);
    expect(out).toMatch(/assistant\s+│ Noted, card ending 4242\./);
    expect(out).toContain('masked · HTTP 200 · findings card×1');
    expect(out).toMatch(/stored \d+ of 5000 bytes/);
    // Terminal escape sequences in stored text are neutralised.
    expect(out).not.toContain('\u001b');
  });

  it('exits 1 with a message for an unknown session, 2 without one', async () => {
    const dir = tmpDir();
    await writeLog(dir, 2);
    const c = captureIo();
    expect(await auditCommand(['replay', 'nope', '--dir', dir], c.io)).toBe(1);
    expect(c.stderr()).toContain('no records for session nope');
    expect(await auditCommand(['replay', '--dir', dir], captureIo().io)).toBe(2);
  });
});

describe('sluice audit tail', () => {
  it('prints the last N records as JSON lines across files', async () => {
    const dir = tmpDir();
    await writeLog(dir, 30, { maxBytes: 4096 });
    const c = captureIo();
    await auditCommand(['tail', '--dir', dir, '--lines', '15'], c.io);
    const seqs = c.stdout().trim().split('\n').map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual(Array.from({ length: 15 }, (_, i) => i + 16));
  });

  it('follows new records across rotation until aborted', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, maxBytes: 4096, logger: memoryLogger() });
    w.append(sampleRecord(1));
    await w.flush();
    const ac = new AbortController();
    const c = captureIo(ac.signal);
    const tailing = auditCommand(['tail', '--dir', dir, '--lines', '0', '--follow'], c.io);
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 2; i <= 20; i++) w.append(sampleRecord(i));
    await w.close();
    expect(w.stats.rotations).toBeGreaterThan(1);
    const deadline = Date.now() + 5000;
    while (c.stdout().split('\n').length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    expect(await tailing).toBe(0);
    const seqs = c.stdout().trim().split('\n').map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
  });
});

describe('sluice audit verify (CLI)', () => {
  it('prints OK and exits 0 on a good log; names file:line and exits 1 on a tampered one', async () => {
    const dir = tmpDir();
    const keyDir = tmpDir();
    expect(await keysCommand(['generate', '--out', keyDir], captureIo().io)).toBe(0);
    await writeLog(dir, 5, { signingKeyFile: join(keyDir, KEY_FILES.private) });
    const ok = captureIo();
    expect(await auditCommand(['verify', '--dir', dir, '--public-key', join(keyDir, KEY_FILES.public)], ok.io)).toBe(0);
    expect(ok.stdout()).toMatch(/^OK: 1 file\(s\), 6 record\(s\), last seq 6, 1 checkpoint\(s\), 1 signature\(s\) verified\n$/);

    const { readdirSync, writeFileSync } = await import('node:fs');
    const file = readdirSync(dir)[0];
    const lines = readFileSync(join(dir, file), 'utf8').replace('"status":200', '"status":201');
    writeFileSync(join(dir, file), lines);
    const bad = captureIo();
    expect(await auditCommand(['verify', '--dir', dir, '--public-key', join(keyDir, KEY_FILES.public)], bad.io)).toBe(1);
    expect(bad.stdout()).toContain(`${file}:1: error hash_mismatch: record seq 1 does not match its hash`);
    expect(bad.stdout()).toMatch(/FAILED: 1 error\(s\)/);
  });

  it('prints usage for an unknown subcommand', async () => {
    const c = captureIo();
    expect(await auditCommand(['frobnicate'], c.io)).toBe(2);
    expect(c.stderr()).toContain('usage:');
  });
});

describe('sluice keys generate', () => {
  it('writes an Ed25519 PEM pair and refuses to overwrite without --force', async () => {
    const dir = join(tmpDir(), 'keys');
    const c = captureIo();
    expect(await keysCommand(['generate', '--out', dir], c.io)).toBe(0);
    expect(readFileSync(join(dir, KEY_FILES.private), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(join(dir, KEY_FILES.public), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(c.stdout()).toMatch(/kid:\s+[A-Za-z0-9_-]{43}\n$/);
    const again = captureIo();
    expect(await keysCommand(['generate', '--out', dir], again.io)).toBe(1);
    expect(again.stderr()).toContain('already holds keys');
    expect(await keysCommand(['generate', '--out', dir, '--force'], captureIo().io)).toBe(0);
    expect(await keysCommand(['generate'], captureIo().io)).toBe(2);
    expect(existsSync(dir)).toBe(true);
  });
});
