// Shared fixtures for the audit tests: temp dirs, a recording logger, sample records, key pairs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach } from 'vitest';
import type { AuditLogger } from '../../src/audit/config.js';
import type { AuditRecordInput } from '../../src/audit/record.js';
import { createAuditWriter } from '../../src/audit/writer.js';
import type { AuditWriterConfig } from '../../src/audit/config.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tmpDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-audit-'));
  made.push(d);
  return d;
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export function memoryLogger(): AuditLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (obj: object, msg: string) => void entries.push({ level, obj, msg });
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

export function sampleRecord(i: number, session = `s-${i % 3}`): AuditRecordInput {
  return {
    kind: 'exchange',
    requestId: `req-${i}`,
    identity: { subject: i % 2 ? 'alice' : 'bob', groups: ['data-eng'], job: 'etl-7', session },
    source: '10.0.0.7',
    connection: 'openai-main',
    route: 'chat.completions',
    model: 'gpt-4o-mini',
    decision: i % 4 === 0 ? 'masked' : 'allowed',
    findings: i % 4 === 0 ? [{ detector: 'card', type: 'card', action: 'mask', count: 1 }] : [],
    request: { mode: 'full', bytes: 60, text: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${i}` }] }) },
    response: { mode: 'full', bytes: 60, text: JSON.stringify({ choices: [{ message: { role: 'assistant', content: `answer ${i}` } }] }) },
    usage: { input: 10, output: 5, total: 15 },
    status: 200,
  };
}

export function keyPair(dir: string): { privateFile: string; publicFile: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privateFile = join(dir, 'priv.pem');
  const publicFile = join(dir, 'pub.pem');
  writeFileSync(privateFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(publicFile, publicKey.export({ format: 'pem', type: 'spki' }));
  return { privateFile, publicFile };
}

/** Writes `n` sample records through a real writer and closes it. */
export async function writeLog(dir: string, n: number, cfg: Partial<AuditWriterConfig> = {}): Promise<void> {
  const w = createAuditWriter({ dir, logger: memoryLogger(), ...cfg });
  for (let i = 1; i <= n; i++) w.append(sampleRecord(i));
  await w.close();
}

export function auditFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('audit-')).sort();
}

export function fileLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

/** Collects what a CLI command writes. */
export function captureIo(signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => (out.push(s), true) }, stderr: { write: (s: string) => (err.push(s), true) }, signal },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
