// The inspection pool: real piscina workers; results match inline; faults fail closed; saturation → 503.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createInspector, type Inspector } from '../../src/inspect/pool.js';
import { defaultProfile } from '../../src/inspect/profile.js';
import { inspectBody } from '../../src/inspect/engine.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { InspectionConfig } from '../../src/config/schema.js';

const profile = defaultProfile('ab'.repeat(32));
const faulty = fileURLToPath(new URL('../fixtures/inspect/faulty-worker.mjs', import.meta.url));
const cfg = (over: Partial<InspectionConfig['pool']> = {}, inlineBelowBytes = 0): InspectionConfig => ({
  inlineBelowBytes,
  responseHoldBack: 0,
  maskResponses: true,
  pool: { minThreads: 1, maxThreads: 1, idleTimeoutMs: 1000, maxQueue: 4, concurrentTasksPerWorker: 1, taskTimeoutMs: 2000, ...over },
});
const body = (text: string) => new TextEncoder().encode(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: text }] }));

let inspector: Inspector | undefined;
afterEach(async () => {
  await inspector?.close();
  inspector = undefined;
});

describe('inspection pool', () => {
  it('masks in a worker exactly as inline does, and returns the body by transfer', async () => {
    inspector = createInspector(cfg());
    const text = 'card 4111 1111 1111 1111 and mail jane@example.com';
    const inline = inspectBody({ body: body(text), contentType: 'json', profile, session: 's' });
    const input = body(text);
    const pooled = await inspector.inspect({ body: input, contentType: 'json', profile, session: 's' });
    expect(input.byteLength).toBe(0); // transferred, not copied
    expect(new TextDecoder().decode(pooled.body)).toBe(new TextDecoder().decode(inline.body));
    // Counts, not one object per finding: a dense body would cost the main thread O(findings) to receive.
    expect(pooled.findings).toEqual([]);
    expect(pooled.summary).toEqual(inline.summary);
    expect(pooled.summary.map((f) => f.detector).sort()).toEqual(['card', 'email']);
  });

  it('prepares the audit copies in the worker: unrewritten findings redacted (leak), every detector redacted (strict)', async () => {
    inspector = createInspector(cfg());
    // Default profile: card masked, ipv4 only reported (left in the forwarded body), AWS key redacted.
    const pooled = await inspector.inspect({ body: body('card 4111 1111 1111 1111 from 10.20.30.40'), contentType: 'json', profile, session: 's' });
    const text = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)).messages[0].content as string;
    expect(text(pooled.body)).toBe('card **** **** **** 1111 from 10.20.30.40');
    expect(text(pooled.audit!.leak)).toBe('card **** **** **** 1111 from [REDACTED:ipv4]');
    expect(text(pooled.audit!.strict)).toBe('card **** **** **** 1111 from [REDACTED:ipv4]');
    // Nothing left to redact: both copies are the masked body itself (no second buffer crosses the thread).
    const clean = await inspector.inspect({ body: body('card 4111 1111 1111 1111'), contentType: 'json', profile, session: 's' });
    expect(clean.audit!.leak.buffer).toBe(clean.body.buffer);
    expect(clean.audit!.strict.buffer).toBe(clean.body.buffer);
  });

  it('scans small bodies inline without touching the pool', async () => {
    inspector = createInspector(cfg({}, 1 << 20), undefined, { workerFile: faulty });
    const r = await inspector.inspect({ body: body('4111 1111 1111 1111'), contentType: 'json', profile, session: 'crash' });
    expect(r.changed).toBe(true); // the faulty worker would have thrown
  });

  it.each(['crash', 'exit'])('fails closed when the worker %ss', async (fault) => {
    const metrics = createMetrics();
    inspector = createInspector(cfg(), metrics, { workerFile: faulty });
    await expect(inspector.inspect({ body: body('x'), contentType: 'json', profile, session: fault })).rejects.toMatchObject({ code: 'SLUICE_INSPECTION_FAILED', status: 503 });
    expect(await metrics.render()).toContain('sluice_inspection_failures_total{reason="worker_crash"}');
  });

  it('fails closed when a task exceeds the timeout', async () => {
    const metrics = createMetrics();
    // Long enough for a fresh worker to start on a busy machine (the recovery below runs under the same timeout).
    inspector = createInspector(cfg({ taskTimeoutMs: 2000 }), metrics, { workerFile: faulty });
    await expect(inspector.inspect({ body: body('x'), contentType: 'json', profile, session: 'hang' })).rejects.toMatchObject({ code: 'SLUICE_INSPECTION_FAILED' });
    expect(await metrics.render()).toContain('reason="timeout"');
    // The pool recovers: the next task runs on a fresh worker.
    await expect(inspector.inspect({ body: body('x'), contentType: 'json', profile, session: 'ok' })).resolves.toMatchObject({ changed: false });
  });

  it('answers 503 with Retry-After when the queue is full', async () => {
    inspector = createInspector(cfg({ maxQueue: 1 }), undefined, { workerFile: faulty });
    const tasks = Array.from({ length: 6 }, () => inspector!.inspect({ body: body('x'), contentType: 'json', profile, session: 'slow' }));
    const results = await Promise.allSettled(tasks);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0].reason).toMatchObject({ code: 'SLUICE_OVERLOADED', status: 503, headers: { 'retry-after': '1' } });
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
  });
});
