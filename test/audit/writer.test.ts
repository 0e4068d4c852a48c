import { appendFileSync, mkdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/writer.js';
import { resolveAuditOptions } from '../../src/audit/config.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { loadPublicKey } from '../../src/audit/keys.js';
import { GENESIS_HASH } from '../../src/audit/record.js';
import { computeHash } from '../../src/audit/seal.js';
import { auditFiles, fileLines, keyPair, memoryLogger, sampleRecord, tmpDir, writeLog } from './helpers.js';

describe('audit writer', () => {
  it('writes a hash chain that verifies, starting from the genesis hash', async () => {
    const dir = tmpDir();
    await writeLog(dir, 25);
    const lines = auditFiles(dir).flatMap((f) => fileLines(join(dir, f))).map((l) => JSON.parse(l));
    expect(lines.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(lines[0].prev).toBe(GENESIS_HASH);
    for (let i = 1; i < lines.length; i++) expect(lines[i].prev).toBe(lines[i - 1].hash);
    for (const r of lines) expect(computeHash(r)).toBe(r.hash);
    const report = await verifyAuditLog({ dir });
    expect(report).toMatchObject({ ok: true, records: 25, lastSeq: 25, errors: 0 });
  });

  it('fills every field so all records share one shape', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, logger: memoryLogger() });
    w.append({ kind: 'shadow', detail: { host: 'api.example.com' } });
    await w.close();
    const rec = JSON.parse(fileLines(join(dir, auditFiles(dir)[0]))[0]);
    expect(rec).toMatchObject({ v: 1, kind: 'shadow', identity: null, findings: [], request: { mode: 'none', bytes: 0 }, aborted: false, detail: { host: 'api.example.com' } });
    expect(Date.parse(rec.time)).not.toBeNaN();
  });

  it.each(['always', 'group'] as const)('flush() resolves after records are on disk (fsync=%s)', async (fsync) => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, fsync, logger: memoryLogger() });
    for (let i = 1; i <= 10; i++) w.append(sampleRecord(i));
    await w.flush();
    expect(fileLines(join(dir, w.stats.file))).toHaveLength(10);
    expect(w.stats).toMatchObject({ appended: 10, durable: 10, pendingBytes: 0 });
    await w.close();
  });

  it('writes a burst larger than one write batch completely and in order', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, logger: memoryLogger() });
    const text = 'y'.repeat(10_000);
    for (let i = 1; i <= 300; i++) w.append({ ...sampleRecord(i), response: { mode: 'full', bytes: text.length, text } });
    await w.close();
    expect(w.stats.durable).toBe(300);
    expect(await verifyAuditLog({ dir })).toMatchObject({ ok: true, records: 300, lastSeq: 300 });
  });

  it('rotates by size and the chain continues across files', async () => {
    const dir = tmpDir();
    await writeLog(dir, 40, { maxBytes: 4096 });
    const files = auditFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    for (let i = 1; i < files.length; i++) {
      const lastOfPrev = JSON.parse(fileLines(join(dir, files[i - 1])).at(-1) as string);
      const firstOfNext = JSON.parse(fileLines(join(dir, files[i]))[0]);
      expect(firstOfNext.prev).toBe(lastOfPrev.hash);
      expect(statSync(join(dir, files[i - 1])).size).toBeLessThanOrEqual(4096);
    }
    expect(await verifyAuditLog({ dir })).toMatchObject({ ok: true, files: files.length, records: 40 });
  });

  it('rotates by age', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, maxAgeMs: 1000, logger: memoryLogger() });
    w.append(sampleRecord(1));
    await w.flush();
    await new Promise((r) => setTimeout(r, 1100));
    w.append(sampleRecord(2));
    await w.close();
    expect(auditFiles(dir)).toHaveLength(2);
    expect(w.stats.rotations).toBe(1);
    expect((await verifyAuditLog({ dir })).ok).toBe(true);
  });

  it('continues the chain in the same file after a restart', async () => {
    const dir = tmpDir();
    await writeLog(dir, 5);
    await writeLog(dir, 5);
    expect(auditFiles(dir)).toHaveLength(1);
    expect(await verifyAuditLog({ dir })).toMatchObject({ ok: true, records: 10, lastSeq: 10 });
  });

  it.each([
    ['half a line', '{"v":1,"kind":"exchange","seq":6,"pre'],
    ['a complete but unparsable line', '{"v":1,"kind":"exch\n'],
    ['zeros from a filesystem that grew the file first', '\0'.repeat(300)],
  ])('recovers from a torn tail (%s): truncates it, logs the byte count, verify passes', async (_name, garbage) => {
    const dir = tmpDir();
    await writeLog(dir, 5);
    const file = join(dir, auditFiles(dir)[0]);
    const goodSize = statSync(file).size;
    appendFileSync(file, garbage);
    const logger = memoryLogger();
    const w = createAuditWriter({ dir, logger });
    expect(statSync(file).size).toBe(goodSize);
    expect(w.stats.recoveredBytes).toBe(Buffer.byteLength(garbage));
    const warn = logger.entries.find((e) => e.level === 'warn' && /torn|unparsable/.test(e.msg));
    expect(warn?.obj).toMatchObject({ bytes: Buffer.byteLength(garbage) });
    for (let i = 6; i <= 8; i++) w.append(sampleRecord(i));
    await w.close();
    expect(await verifyAuditLog({ dir })).toMatchObject({ ok: true, records: 8, lastSeq: 8 });
  });

  it('recovers when the newest file holds only a torn line, continuing from the previous file', async () => {
    const dir = tmpDir();
    await writeLog(dir, 3);
    const prevFile = auditFiles(dir)[0];
    writeFileSync(join(dir, 'audit-29990101T000000000Z.jsonl'), '{"seq":4,"tr');
    await writeLog(dir, 2);
    const report = await verifyAuditLog({ dir });
    expect(report).toMatchObject({ ok: true, records: 5, lastSeq: 5 });
    expect(auditFiles(dir)[0]).toBe(prevFile);
  });

  it('signs checkpoints that verify with the public key, including a final one on close', async () => {
    const dir = tmpDir();
    const keys = keyPair(tmpDir());
    const w = createAuditWriter({ dir, signingKeyFile: keys.privateFile, checkpointEvery: 5, logger: memoryLogger() });
    for (let i = 1; i <= 12; i++) {
      w.append(sampleRecord(i));
      // Let each signature finish, as records would arrive across ticks under real traffic.
      await new Promise((r) => setImmediate(r));
      await w.flush();
    }
    await w.close();
    const records = fileLines(join(dir, w.stats.file)).map((l) => JSON.parse(l));
    const cps = records.filter((r) => r.kind === 'checkpoint');
    expect(cps.length).toBeGreaterThanOrEqual(3);
    expect(records.at(-1).kind).toBe('checkpoint');
    for (const cp of cps) {
      const signed = records.find((r) => r.seq === cp.checkpoint.seq);
      expect(cp.checkpoint.hash).toBe(signed.hash);
    }
    const report = await verifyAuditLog({ dir, publicKey: loadPublicKey(keys.publicFile) });
    expect(report).toMatchObject({ ok: true, checkpoints: cps.length, signaturesVerified: cps.length });
    expect(report.issues).toEqual([]);
  });

  it('signs a checkpoint after checkpointIntervalMs even when few records arrive', async () => {
    const dir = tmpDir();
    const keys = keyPair(tmpDir());
    const w = createAuditWriter({ dir, signingKeyFile: keys.privateFile, checkpointEvery: 1000, checkpointIntervalMs: 100, logger: memoryLogger() });
    w.append(sampleRecord(1));
    w.append(sampleRecord(2));
    const deadline = Date.now() + 3000;
    while (w.stats.checkpoints === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await w.flush();
    const kinds = fileLines(join(dir, w.stats.file)).map((l) => JSON.parse(l).kind);
    expect(kinds).toEqual(['exchange', 'exchange', 'checkpoint']);
    await w.close();
    // Nothing new after that checkpoint, so close adds no second one.
    expect(w.stats.checkpoints).toBe(1);
  });

  it('append never throws: closed writer, checkpoint kind and unserializable input are dropped and counted', async () => {
    const dir = tmpDir();
    const logger = memoryLogger();
    const w = createAuditWriter({ dir, logger });
    expect(w.append({ kind: 'exchange', status: Number.NaN })).toBe(-1);
    expect(w.append({ kind: 'checkpoint' } as never)).toBe(-1);
    expect(w.append(sampleRecord(1))).toBe(2); // seq 1 is the gap marker for the two drops above
    await w.close();
    expect(w.append(sampleRecord(2))).toBe(-1);
    expect(w.stats).toMatchObject({ appended: 2, dropped: 3 });
    expect(logger.entries.filter((e) => e.level === 'error').length).toBeGreaterThanOrEqual(1);
    // The two records dropped before seq 1 made it in are marked by a gap record ahead of it; the one refused after
    // close leaves the writer with nowhere to write, and is only counted.
    const report = await verifyAuditLog({ dir });
    expect(report.records).toBe(2);
    expect(report.issues.map((i) => i.code)).toEqual(['gap']);
    expect(report.issues[0].message).toMatch(/^2 record\(s\) were dropped/);
  });

  it('drops records once the backlog exceeds maxPendingBytes instead of growing without bound', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, maxPendingBytes: 65536, groupCommitMs: 1000, logger: memoryLogger() });
    const big = { ...sampleRecord(1), request: { mode: 'full' as const, bytes: 30000, text: 'x'.repeat(30000) } };
    const seqs = [w.append(big), w.append(big), w.append(big)];
    expect(seqs).toEqual([1, 2, -1]);
    await w.close();
    // The dropped record leaves a gap marker: verify does not call an incomplete trail OK.
    const report = await verifyAuditLog({ dir });
    expect(report).toMatchObject({ ok: false, records: 3 });
    expect(report.issues.map((i) => i.code)).toEqual(['gap']);
  });

  it('close marks records dropped while the backlog sat at its bound, even when the marker does not fit under it', async () => {
    const sized = (n: number) => ({ ...sampleRecord(1), request: { mode: 'full' as const, bytes: n, text: 'x'.repeat(n) } });
    const probe = createAuditWriter({ dir: tmpDir(), groupCommitMs: 1000, logger: memoryLogger() });
    probe.append(sized(30000));
    const overhead = probe.stats.pendingBytes - 30000;
    await probe.close();
    // Two records fill the backlog to within 10 bytes of its bound: no room is left for a gap marker.
    const big = sized(Math.floor((65536 - 10) / 2) - overhead);
    const dir = tmpDir();
    const w = createAuditWriter({ dir, maxPendingBytes: 65536, groupCommitMs: 1000, logger: memoryLogger() });
    expect([w.append(big), w.append(big), w.append(big), w.append(big)]).toEqual([1, 2, -1, -1]);
    expect(65536 - w.stats.pendingBytes).toBeLessThan(100);
    await w.close();
    const report = await verifyAuditLog({ dir });
    expect(report).toMatchObject({ ok: false, records: 3 });
    expect(report.issues.map((i) => i.code)).toEqual(['gap']);
    expect(report.issues[0].message).toMatch(/^2 record\(s\) were dropped/);
  });

  it('reports health: unhealthy from a failed write until a retry succeeds', async () => {
    const dir = tmpDir();
    const seen: boolean[] = [];
    const w = createAuditWriter({ dir, retryMs: 20, logger: memoryLogger(), onHealth: (h) => seen.push(h) });
    expect(w.healthy).toBe(true);
    const squat = join(dir, w.stats.file);
    mkdirSync(squat);
    w.append(sampleRecord(1));
    await expect(w.flush()).rejects.toThrow('Audit record could not be made durable');
    expect(w.healthy).toBe(false);
    rmdirSync(squat);
    await w.flush();
    expect(w.healthy).toBe(true);
    expect(seen).toEqual([false, true]);
    await w.close();
  });

  it('rejects flush on a write error, retries, and loses nothing once the disk recovers', async () => {
    const dir = tmpDir();
    const logger = memoryLogger();
    const w = createAuditWriter({ dir, retryMs: 20, logger });
    // A directory squatting on the log file's name makes open() fail, like a broken disk would.
    const squat = join(dir, w.stats.file);
    mkdirSync(squat);
    w.append(sampleRecord(1));
    await expect(w.flush()).rejects.toThrow('Audit record could not be made durable');
    rmdirSync(squat);
    w.append(sampleRecord(2));
    await w.close();
    expect(w.stats.writeErrors).toBeGreaterThanOrEqual(1);
    expect(logger.entries.some((e) => e.level === 'error' && /write failed/.test(e.msg))).toBe(true);
    expect(logger.entries.some((e) => /writes succeed again/.test(e.msg))).toBe(true);
    expect(await verifyAuditLog({ dir })).toMatchObject({ ok: true, records: 2 });
  });

  it.each([
    [{ dir: '' }, 'audit.dir: expected a non-empty string, found ""'],
    [{ dir: 'x', fsync: 'sometimes' }, 'audit.fsync: expected one of: always, group, found "sometimes"'],
    [{ dir: 'x', groupCommitMs: -1 }, 'audit.groupCommitMs: expected an integer >= 0, found -1'],
    [{ dir: 'x', maxBytes: 100 }, 'audit.maxBytes: expected an integer >= 4096, found 100'],
    [{ dir: 'x', maxAgeMs: 1.5 }, 'audit.maxAgeMs: expected an integer >= 1000, found 1.5'],
    [{ dir: 'x', checkpointEvery: 0 }, 'audit.checkpointEvery: expected an integer >= 1, found 0'],
    [{ dir: 'x', checkpointIntervalMs: 10 }, 'audit.checkpointIntervalMs: expected an integer >= 100, found 10'],
    [{ dir: 'x', maxPendingBytes: 10 }, 'audit.maxPendingBytes: expected an integer >= 65536, found 10'],
    [{ dir: 'x', retryMs: 0 }, 'audit.retryMs: expected an integer >= 1, found 0'],
    [{ dir: 'x', signingKeyFile: '' }, 'audit.signingKeyFile: expected a non-empty string, found ""'],
  ])('rejects bad option %j', (cfg, message) => {
    expect(() => resolveAuditOptions(cfg as never)).toThrow(message);
  });

  it('refuses a signing key that is not Ed25519', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const dir = tmpDir();
    const file = join(dir, 'ec.pem');
    writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(() => createAuditWriter({ dir, signingKeyFile: file, logger: memoryLogger() })).toThrow(/ec key; audit checkpoints need Ed25519/);
  });
});
