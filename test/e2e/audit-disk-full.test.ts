// The audit disk fills up for real (a small tmpfs): with `onFailure: refuse` nothing is served without a durable
// record, /readyz says why, and the gateway recovers by itself when space returns; with `serve` exchanges go on and
// every record lost leaves a gap marker that `audit verify` reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { auditRecords } from '../helpers/raw.js';

const mounts: string[] = [];

/** A fresh tmpfs of `bytes` (the test needs root and mount(8), as CI has; it fails loudly otherwise). */
function tmpfs(bytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot mount a tmpfs for the disk-full test (run as root): ${r.stderr || r.error}`);
  mounts.push(dir);
  return dir;
}

/** Fills the filesystem holding `dir` to the last byte; returns the filler's path (delete it to free the space). */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch {
    for (;;) {
      try {
        writeSync(fd, block, 0, 1);
      } catch {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

afterAll(() => {
  for (const m of mounts) {
    spawnSync('umount', ['-l', m]);
    rmSync(m, { recursive: true, force: true });
  }
});

const until = async (cond: () => Promise<boolean> | boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await cond()) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return cond();
};

async function chat(stack: Stack, token: string, opts: { stream?: boolean; id?: string } = {}) {
  const r = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(opts.id ? { 'x-request-id': opts.id } : {}) },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: opts.stream ?? false, messages: [{ role: 'user', content: 'hello disk' }] }),
  });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, text };
}

const readyz = async (stack: Stack) => {
  const r = await request(`${stack.url}/readyz`);
  return { status: r.statusCode, json: (await r.body.json()) as { checks: Record<string, { ok: boolean; detail?: string }> } };
};

describe('audit disk full, onFailure: refuse (default)', () => {
  let stack: Stack;
  let token: string;
  let disk: string;
  beforeAll(async () => {
    disk = tmpfs(512 * 1024);
    stack = await startStack({ config: { audit: { dir: join(disk, 'audit'), fsync: 'always' } } });
    token = await stack.token(['analysts']);
  });
  afterAll(async () => stack?.close());

  it('refuses with 503 while records cannot be written, reports it in /readyz, and recovers by itself', async () => {
    expect((await chat(stack, token)).status).toBe(200);
    const filler = fill(disk);

    // The exchange whose record hits the full disk (the log file's last page may still take a record or two): its
    // answer is withheld and replaced by the error.
    let hit = await chat(stack, token);
    for (let i = 0; i < 20 && hit.status === 200; i++) hit = await chat(stack, token);
    expect(hit.status).toBe(503);
    expect(JSON.parse(hit.text).error.code).toBe('SLUICE_AUDIT_UNAVAILABLE');
    expect(hit.headers['retry-after']).toBe('5');

    // From then on nothing is forwarded: requests are refused before the provider sees them.
    const seen = stack.mock.received.length;
    for (const stream of [false, true]) {
      const r = await chat(stack, token, { stream });
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text).error.code).toBe('SLUICE_AUDIT_UNAVAILABLE');
    }
    expect(stack.mock.received.length).toBe(seen);
    const down = await readyz(stack);
    expect(down.status).toBe(503);
    expect(down.json.checks.audit.ok).toBe(false);
    const metrics = await (await request(`${stack.url}/metrics`)).body.text();
    expect(metrics).toMatch(/sluice_audit_healthy 0/);
    expect(metrics).toMatch(/sluice_audit_failures_total\{outcome="refused"\} [1-9]/);

    unlinkSync(filler);
    expect(await until(async () => (await readyz(stack)).status === 200)).toBe(true);
    expect((await chat(stack, token)).status).toBe(200);
    await stack.sluice.close();
    const report = await verifyAuditLog({ dir: join(disk, 'audit') });
    expect(report.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});

describe('audit disk full, onFailure: serve', () => {
  let stack: Stack;
  let token: string;
  let disk: string;
  beforeAll(async () => {
    disk = tmpfs(512 * 1024);
    stack = await startStack({ config: { audit: { dir: join(disk, 'audit'), fsync: 'group', onFailure: 'serve', maxPendingBytes: 65_536, payloads: 'full' } } });
    token = await stack.token(['analysts']);
  });
  afterAll(async () => stack?.close());

  it('keeps serving, and every record lost leaves a gap marker that audit verify reports', async () => {
    expect((await chat(stack, token)).status).toBe(200);
    const filler = fill(disk);
    for (let i = 0; i < 60; i++) expect((await chat(stack, token, { id: `served-${i}` })).status).toBe(200);
    expect((await readyz(stack)).json.checks.audit).toMatchObject({ ok: true });
    unlinkSync(filler);
    await stack.sluice.close();
    const recs = auditRecords(join(disk, 'audit'));
    const gaps = recs.filter((r) => r.kind === 'gap');
    expect(gaps.length).toBeGreaterThan(0);
    const served = recs.filter((r) => typeof r.requestId === 'string' && r.requestId.startsWith('served-')).length;
    const dropped = gaps.reduce((n, g) => n + ((g.detail as { dropped: number }).dropped ?? 0), 0);
    expect(served + dropped).toBe(60);
    const report = await verifyAuditLog({ dir: join(disk, 'audit') });
    expect(report.ok).toBe(false);
    expect(report.issues.some((i) => i.code === 'gap')).toBe(true);
  });
});
