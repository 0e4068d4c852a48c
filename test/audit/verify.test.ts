import { readFileSync, rmSync, truncateSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/writer.js';
import { verifyAuditLog, type VerifyCode } from '../../src/audit/verify.js';
import { loadPublicKey } from '../../src/audit/keys.js';
import { computeHash } from '../../src/audit/seal.js';
import { auditFiles, keyPair, memoryLogger, sampleRecord, tmpDir } from './helpers.js';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

// One pristine signed log, copied for each tamper case.
let pristine: string;
let publicFile: string;

beforeAll(async () => {
  pristine = mkdtempSync(join(tmpdir(), 'sluice-audit-pristine-'));
  const keys = keyPair(pristine);
  publicFile = keys.publicFile;
  const w = createAuditWriter({ dir: join(pristine, 'log'), signingKeyFile: keys.privateFile, checkpointEvery: 4, logger: memoryLogger() });
  for (let i = 1; i <= 12; i++) {
    w.append(sampleRecord(i));
    await new Promise((r) => setImmediate(r));
    await w.flush();
  }
  await w.close();
});

afterAll(() => rmSync(pristine, { recursive: true, force: true }));

function copyLog(): { dir: string; file: string; lines: string[] } {
  const dir = join(tmpDir(), 'log');
  cpSync(join(pristine, 'log'), dir, { recursive: true });
  const name = auditFiles(dir)[0];
  const file = join(dir, name);
  return { dir, file, lines: readFileSync(file, 'utf8').split('\n').slice(0, -1) };
}

/** Line number (1-based) of the first record matching `pred`. */
function lineOf(lines: string[], pred: (r: Record<string, any>) => boolean): number {
  return lines.findIndex((l) => pred(JSON.parse(l))) + 1;
}

/** What an attacker without the key can do: rewrite records and recompute every hash after them. */
function rechain(lines: string[], from: number): string[] {
  const out = lines.slice();
  for (let i = from; i < out.length; i++) {
    const r = JSON.parse(out[i]);
    if (i > 0) r.prev = JSON.parse(out[i - 1]).hash;
    r.hash = computeHash(r);
    out[i] = JSON.stringify(r);
  }
  return out;
}

type Tamper = (log: { file: string; lines: string[] }) => { line: number; codes: VerifyCode[] };

const save = (file: string, lines: string[]) => writeFileSync(file, lines.join('\n') + '\n');

const CASES: Array<[string, Tamper]> = [
  ['an edited field', ({ file, lines }) => {
    const i = lineOf(lines, (r) => r.seq === 3);
    const r = JSON.parse(lines[i - 1]);
    r.identity.subject = 'mallory';
    lines[i - 1] = JSON.stringify(r);
    save(file, lines);
    return { line: i, codes: ['hash_mismatch'] };
  }],
  ['an edited record whose own hash was recomputed', ({ file, lines }) => {
    const i = lineOf(lines, (r) => r.seq === 3);
    const r = JSON.parse(lines[i - 1]);
    r.status = 500;
    r.hash = computeHash(r);
    lines[i - 1] = JSON.stringify(r);
    save(file, lines);
    return { line: i + 1, codes: ['prev_mismatch'] };
  }],
  ['a deleted line', ({ file, lines }) => {
    const i = lineOf(lines, (r) => r.seq === 4);
    lines.splice(i - 1, 1);
    save(file, lines);
    return { line: i, codes: ['seq_gap'] };
  }],
  ['two swapped lines', ({ file, lines }) => {
    const i = lineOf(lines, (r) => r.seq === 2);
    [lines[i - 1], lines[i]] = [lines[i], lines[i - 1]];
    save(file, lines);
    return { line: i, codes: ['seq_gap', 'reordered'] };
  }],
  ['a line overwritten with garbage', ({ file, lines }) => {
    const i = lineOf(lines, (r) => r.seq === 5);
    lines[i - 1] = 'x'.repeat(lines[i - 1].length);
    save(file, lines);
    return { line: i, codes: ['bad_json'] };
  }],
  ['a file truncated mid-line', ({ file }) => {
    const size = statSync(file).size;
    truncateSync(file, size - 40);
    const n = readFileSync(file, 'utf8').split('\n').length;
    return { line: n, codes: ['torn_line'] };
  }],
  ['a corrupted checkpoint signature (chain re-hashed so only the signature is wrong)', ({ file, lines }) => {
    // The last checkpoint: re-hashing after it changes nothing another checkpoint signed.
    const i = lines.findLastIndex((l) => JSON.parse(l).kind === 'checkpoint') + 1;
    const r = JSON.parse(lines[i - 1]);
    const sig = r.checkpoint.jws.split('.');
    sig[2] = (sig[2][0] === 'A' ? 'B' : 'A') + sig[2].slice(1);
    r.checkpoint.jws = sig.join('.');
    lines[i - 1] = JSON.stringify(r);
    save(file, rechain(lines, i - 1));
    return { line: i, codes: ['bad_signature'] };
  }],
  ['a rewritten history with every hash recomputed', ({ file, lines }) => {
    const i = lineOf(lines, (r) => r.seq === 2);
    const r = JSON.parse(lines[i - 1]);
    r.model = 'gpt-4o';
    lines[i - 1] = JSON.stringify(r);
    const out = rechain(lines, i - 1);
    save(file, out);
    // Every checkpoint from then on signed a hash the rewritten log no longer has.
    const cps = out.filter((l) => JSON.parse(l).kind === 'checkpoint').length;
    return { line: lineOf(out, (x) => x.kind === 'checkpoint'), codes: Array(cps).fill('checkpoint_mismatch') };
  }],
];

describe('audit verify', () => {
  it('passes the untouched log with every signature verified', async () => {
    const { dir } = copyLog();
    const report = await verifyAuditLog({ dir, publicKey: loadPublicKey(publicFile) });
    expect(report.ok).toBe(true);
    expect(report.issues).toEqual([]);
    expect(report.signaturesVerified).toBe(report.checkpoints);
    expect(report.checkpoints).toBeGreaterThanOrEqual(3);
  });

  it('reports the newest checkpoint: what it signs, when, and whether its signature verified', async () => {
    const { dir, lines } = copyLog();
    const cps = lines.map((l) => JSON.parse(l)).filter((r) => r.kind === 'checkpoint');
    const last = cps[cps.length - 1];
    const want = { seq: last.seq, time: last.time, signedSeq: last.checkpoint.seq, signedHash: last.checkpoint.hash, kid: last.checkpoint.kid };
    expect((await verifyAuditLog({ dir, publicKey: loadPublicKey(publicFile) })).lastCheckpoint).toMatchObject({ ...want, signatureValid: true });
    expect((await verifyAuditLog({ dir })).lastCheckpoint).toMatchObject({ ...want, signatureValid: null });
    const other = keyPair(tmpDir());
    expect((await verifyAuditLog({ dir, publicKey: loadPublicKey(other.publicFile) })).lastCheckpoint?.signatureValid).toBe(false);
    expect((await verifyAuditLog({ dir: tmpDir() })).lastCheckpoint).toBeNull();
  });

  it.each(CASES)('catches %s at the right file:line', async (_name, tamper) => {
    const log = copyLog();
    const want = tamper(log);
    const report = await verifyAuditLog({ dir: log.dir, publicKey: loadPublicKey(publicFile) });
    expect(report.ok).toBe(false);
    const name = auditFiles(log.dir)[0];
    const errors = report.issues.filter((i) => i.severity === 'error');
    expect(errors[0]).toMatchObject({ file: name, line: want.line, code: want.codes[0] });
    expect(errors.map((e) => e.code)).toEqual(want.codes);
  });

  it('catches a deleted rotated file at the first line of the next file', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, maxBytes: 4096, logger: memoryLogger() });
    for (let i = 1; i <= 30; i++) w.append(sampleRecord(i));
    await w.close();
    const files = auditFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    unlinkSync(join(dir, files[1]));
    const report = await verifyAuditLog({ dir });
    expect(report.issues).toEqual([expect.objectContaining({ file: files[2], line: 1, code: 'seq_gap', severity: 'error' })]);
  });

  it('reports a missing start of the chain as a warning (retention removed the oldest file)', async () => {
    const dir = tmpDir();
    const w = createAuditWriter({ dir, maxBytes: 4096, logger: memoryLogger() });
    for (let i = 1; i <= 30; i++) w.append(sampleRecord(i));
    await w.close();
    const files = auditFiles(dir);
    unlinkSync(join(dir, files[0]));
    const report = await verifyAuditLog({ dir });
    expect(report.ok).toBe(true);
    expect(report.issues).toEqual([expect.objectContaining({ file: files[1], line: 1, code: 'chain_start', severity: 'warning' })]);
  });

  it('warns when signatures cannot be checked and when the tail is unsigned', async () => {
    const dir = tmpDir();
    const keys = keyPair(tmpDir());
    const w = createAuditWriter({ dir, signingKeyFile: keys.privateFile, checkpointEvery: 1000, logger: memoryLogger() });
    w.append(sampleRecord(1));
    await w.close();
    // Records appended later by a writer without a key are not covered by any signature.
    const w2 = createAuditWriter({ dir, logger: memoryLogger() });
    w2.append(sampleRecord(2));
    await w2.close();
    const unchecked = await verifyAuditLog({ dir });
    expect(unchecked.issues.map((i) => i.code)).toEqual(['signatures_unchecked']);
    const checked = await verifyAuditLog({ dir, publicKey: loadPublicKey(keys.publicFile) });
    expect(checked.issues.map((i) => i.code)).toEqual(['unsigned_tail']);
    expect(checked.ok).toBe(true);
  });

  it('rejects signatures made by another key', async () => {
    const { dir } = copyLog();
    const other = keyPair(tmpDir());
    const report = await verifyAuditLog({ dir, publicKey: loadPublicKey(other.publicFile) });
    expect(report.ok).toBe(false);
    expect(new Set(report.issues.filter((i) => i.severity === 'error').map((i) => i.code))).toEqual(new Set(['bad_signature']));
  });
});
