// server.threads: 2 — every HTTP thread serves the one port, and what must be one for the instance stays one:
// quotas count once, tokens issued on one thread restore on another, a hold on one thread is released by a reviewer
// call served by another, a policy reload reaches every thread, one audit chain, shutdown drains every thread.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startStack, REPO, type Stack } from '../helpers/stack.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { chooseEngine, engineSupportsThreads } from '../../src/http/engine.js';

// Where the engine $SLUICE_ENGINE asks for cannot share the port on this Node (node:http before 22.12), the gateway
// serves on one thread by design (test/http/engine.test.ts); this file is about two threads, so it runs on uWS there.
const envEngine = process.env.SLUICE_ENGINE;
const pinUws = !engineSupportsThreads(chooseEngine('auto').name);

/** One request on a connection of its own (`reset`): the kernel spreads new connections over the threads. */
async function chat(s: Stack, token: string, content: string, headers: Record<string, string> = {}) {
  const res = await request(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    reset: true,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function metricsOf(s: Stack): Promise<string> {
  const res = await request(`${s.url}/metrics`, { reset: true });
  return res.body.text();
}

function threadRequests(text: string): number[] {
  return [...text.matchAll(/^sluice_thread_requests_total\{thread="(\d+)"\} (\d+)$/gm)].map((m) => Number(m[2]));
}

async function inParallel<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

describe('server.threads: 2', () => {
  let stack: Stack;
  let policiesDir: string;
  beforeAll(async () => {
    policiesDir = mkdtempSync(join(tmpdir(), 'sluice-threads-policies-'));
    cpSync(join(REPO, 'policies'), policiesDir, { recursive: true });
    if (pinUws) delete process.env.SLUICE_ENGINE;
    stack = await startStack({ policiesDir, config: { server: { threads: 2, ...(pinUws ? { engine: 'uws' as const } : {}) }, policies: { watch: true } } });
  });
  afterAll(async () => {
    if (envEngine !== undefined) process.env.SLUICE_ENGINE = envEngine;
    await stack?.close();
    rmSync(policiesDir, { recursive: true, force: true });
  });

  it('runs two HTTP threads that both serve, and /metrics adds up every thread', async () => {
    expect(stack.sluice.threads).toBe(2);
    const token = await stack.token(['analysts'], 'spread');
    const statuses = await inParallel(40, 8, () => chat(stack, token, 'card 4111 1111 1111 1111').then((r) => r.status));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const text = await metricsOf(stack);
    const perThread = threadRequests(text);
    expect(perThread).toHaveLength(2);
    expect(perThread.every((n) => n > 0)).toBe(true);
    const total = [...text.matchAll(/^sluice_requests_total\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
    expect(total).toBe(perThread[0]! + perThread[1]!);
    expect(total).toBeGreaterThanOrEqual(40);
    expect(text).toMatch(/^# TYPE sluice_requests_total counter$/m);
    expect(text.match(/^# TYPE sluice_requests_total counter$/gm)).toHaveLength(1);
  });

  it('counts one quota for the instance, whichever thread serves', async () => {
    const token = await stack.token(['restricted'], 'quota-threads');
    const h = { 'x-sluice-justification': 'load test of the quota enforcement path' };
    const statuses = await inParallel(36, 6, (i) => chat(stack, token, `call ${i}`, h).then((r) => r.status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });

  it('restores a token issued on one thread in answers served by any thread', async () => {
    const token = await stack.token(['streaming-jobs'], 'svc', 'flink');
    const session = { 'x-sluice-session': 'threads-7' };
    await chat(stack, token, 'remember 4111 1111 1111 1111', session);
    const issued = /<card_[0-9a-f]+>/.exec(stack.mock.received.at(-1)!.body)![0];
    const answers = await inParallel(12, 4, () => chat(stack, token, 'which card?', { ...session, 'x-mock-reply': `It was ${issued}.` }));
    for (const a of answers) expect(a.json.choices[0].message.content).toBe('It was 4111 1111 1111 1111.');
  });

  it('releases a held request when a reviewer approves it on any connection', async () => {
    const agent = await stack.token(['agents'], 'ada', 'graph');
    const held = chat(stack, agent, 'export the orders table');
    const reviewer = await stack.token(['reviewers'], 'rita');
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      const list = await request(`${stack.url}/sluice/approvals`, { reset: true, headers: { authorization: `Bearer ${reviewer}` } });
      id = ((await list.body.json()) as { approvals: Array<{ id: string; status: string }> }).approvals.find((a) => a.status === 'pending')?.id;
      if (!id) await new Promise((r) => setTimeout(r, 20));
    }
    expect(id).toBeTruthy();
    const ok = await request(`${stack.url}/sluice/approvals/${id}/approve`, { method: 'POST', reset: true, headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' }, body: '{}' });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    const answer = await held;
    expect(answer.status).toBe(200);
  });

  it('reloads the policy on every thread', async () => {
    const token = await stack.token(['analysts'], 'reload-user');
    const file = join(policiesDir, 'default.yaml');
    const original = readFileSync(file, 'utf8');
    const anchor = '    detectors: { card: mask, ssn: mask, iban: mask, email: mask, phone: mask }\n';
    expect(original).toContain(anchor);
    writeFileSync(file, original.replace(anchor, `${anchor}    block:\n      - keywords: [pineapple]\n`));
    try {
      let blocked: number[] = [];
      for (let attempt = 0; attempt < 50; attempt++) {
        blocked = await inParallel(16, 4, () => chat(stack, token, 'pineapple pizza').then((r) => r.status));
        if (blocked.every((s) => s === 403)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(blocked.every((s) => s === 403)).toBe(true);
    } finally {
      writeFileSync(file, original);
    }
    let statuses: number[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      statuses = await inParallel(16, 4, () => chat(stack, token, 'pineapple pizza').then((r) => r.status));
      if (statuses.every((s) => s === 200)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('/readyz names the threads and every dependency', async () => {
    const res = await request(`${stack.url}/readyz`, { reset: true });
    const body = (await res.body.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }>; requestId: string };
    expect(res.statusCode).toBe(200);
    expect(body.checks.threads).toEqual({ ok: true, detail: '2 HTTP threads serving' });
    expect(Object.keys(body.checks).sort()).toEqual(['audit', 'gateway', 'inspection', 'threads', 'upstreams']);
    expect(body.requestId).toBeTruthy();
  });

  it('keeps one audit chain for the instance that verifies', async () => {
    const token = await stack.token(['analysts'], 'chain-user');
    await inParallel(20, 8, () => chat(stack, token, 'mail me at jane@example.com'));
    // Group commit: records land within groupCommitMs.
    await new Promise((r) => setTimeout(r, 300));
    const result = await verifyAuditLog({ dir: stack.auditDir });
    expect(result.ok).toBe(true);
    const files = readdirSync(stack.auditDir).filter((f) => f.endsWith('.jsonl'));
    const seqs = files.flatMap((f) => readFileSync(join(stack.auditDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).seq as number));
    expect(new Set(seqs).size).toBe(seqs.length);
    const sorted = [...seqs].sort((a, b) => a - b);
    expect(sorted).toEqual(Array.from({ length: sorted.length }, (_, i) => sorted[0]! + i));
  });
});

describe('shutdown with threads', () => {
  it('drains every thread: requests in flight complete, then the port closes', async () => {
    const stack = await startStack({ config: { server: { threads: 2 } }, mock: { latencyMs: 300 } });
    try {
      const token = await stack.token(['analysts'], 'drain-user');
      const inFlight = Array.from({ length: 8 }, () => chat(stack, token, 'slow one'));
      for (let i = 0; i < 100 && stack.sluice.gateway.inFlight < 8; i++) await new Promise((r) => setTimeout(r, 10));
      expect(stack.sluice.gateway.inFlight).toBe(8);
      await stack.sluice.close();
      const done = await Promise.all(inFlight);
      expect(done.map((d) => d.status)).toEqual(new Array(8).fill(200));
      await expect(request(`${stack.url}/healthz`, { reset: true })).rejects.toThrow();
    } finally {
      await stack.close();
    }
  });
});

describe('a thread that dies', () => {
  it('is replaced: the port keeps serving meanwhile, the new thread serves, /readyz recovers, the chain verifies', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'sluice-dying-thread-')), 'died');
    const saved = { file: process.env.SLUICE_HTTP_THREAD_FILE, marker: process.env.SLUICE_TEST_DIE_MARKER, engine: process.env.SLUICE_ENGINE };
    process.env.SLUICE_HTTP_THREAD_FILE = join(REPO, 'test/fixtures/dying-http-thread.mjs');
    process.env.SLUICE_TEST_DIE_MARKER = marker;
    if (pinUws) delete process.env.SLUICE_ENGINE;
    let stack: Stack | undefined;
    try {
      stack = await startStack({ config: { server: { threads: 2, ...(pinUws ? { engine: 'uws' as const } : {}) } } });
      const s = stack;
      const token = await s.token(['analysts'], 'phoenix');
      // Before, through and after the death: fresh connections keep coming; each answers or fails fast, none hangs.
      const statuses: Array<number | string> = [];
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const r = await request(`${s.url}/v1/chat/completions`, {
          method: 'POST',
          reset: true,
          headersTimeout: 5000,
          bodyTimeout: 5000,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'still there?' }] }),
        }).then(
          async (res) => (await res.body.text(), res.statusCode),
          (err: Error & { code?: string }) => err.code ?? err.message,
        );
        statuses.push(r);
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(existsSync(marker)).toBe(true); // thread 1 did die
      // A request caught on the dying thread may fail at the socket; the rest were answered by thread 0 or the new 1.
      expect(statuses.filter((x) => x === 200).length).toBeGreaterThan(statuses.length - 3);
      expect(statuses.filter((x) => x !== 200 && typeof x === 'number')).toEqual([]);

      // The replacement (1 s after the death) serves: both threads answer a burst of fresh connections.
      let ready = await request(`${s.url}/readyz`, { reset: true }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as { checks: Record<string, { ok: boolean; detail?: string }> } }));
      for (let i = 0; i < 100 && ready.body.checks.threads?.detail !== '2 HTTP threads serving'; i++) {
        await new Promise((res) => setTimeout(res, 50));
        ready = await request(`${s.url}/readyz`, { reset: true }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as { checks: Record<string, { ok: boolean; detail?: string }> } }));
      }
      expect(ready.status).toBe(200);
      expect(ready.body.checks.threads).toEqual({ ok: true, detail: '2 HTTP threads serving' });
      const before = threadRequests(await metricsOf(s));
      const burst = await inParallel(40, 8, () => chat(s, token, 'after the replacement').then((r) => r.status));
      expect(burst.every((x) => x === 200)).toBe(true);
      const after = threadRequests(await metricsOf(s));
      expect(after).toHaveLength(2);
      expect(after[1]!).toBeGreaterThan(before[1] ?? 0);
      expect(after[0]!).toBeGreaterThan(before[0] ?? 0);

      await new Promise((r) => setTimeout(r, 300));
      expect((await verifyAuditLog({ dir: s.auditDir })).ok).toBe(true);
    } finally {
      for (const [k, v] of [['SLUICE_HTTP_THREAD_FILE', saved.file], ['SLUICE_TEST_DIE_MARKER', saved.marker], ['SLUICE_ENGINE', saved.engine]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await stack?.close();
      rmSync(dirname(marker), { recursive: true, force: true });
    }
  });
});
