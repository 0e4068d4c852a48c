import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookNotifier, signBody, verifySignature, type WebhookNotifier } from '../../src/approval/webhook.js';
import { silentLogger } from '../../src/observe/logger.js';
import { cancellation, harness, rejection, requestCtx, verdict, type Harness } from './helpers.js';

const SECRET = 'whsec-0123456789abcdef-approvals';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on a real socket that answers with the given statuses in turn (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; got: Received[]; next: () => Promise<Received>; close: () => Promise<void> }> {
  const got: Received[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end('{}');
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  let seen = 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/B000/secret-path`,
    got,
    async next() {
      while (got.length <= seen) await new Promise<void>((r) => waiters.push(r));
      return got[seen++];
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let notifier: WebhookNotifier | undefined;
let h: Harness | undefined;
let rx: Awaited<ReturnType<typeof receiver>> | undefined;
afterEach(async () => {
  await notifier?.close();
  await h?.close();
  await rx?.close();
  notifier = h = rx = undefined;
});

describe('webhook notifier', () => {
  it('signs the exact body with HMAC-SHA256 and sends the timestamp', async () => {
    rx = await receiver();
    notifier = createWebhookNotifier({ url: rx.url, secret: SECRET }, { logger: silentLogger(), now: () => 1_900_000_000_123 });
    notifier.send('approval.requested', { id: 'abc', rule: 'agents' });
    const r = await rx.next();
    expect(r.headers['x-sluice-signature']).toBe(signBody(r.body, SECRET));
    expect(verifySignature(r.body, r.headers['x-sluice-signature'] as string, SECRET)).toBe(true);
    expect(verifySignature(r.body, r.headers['x-sluice-signature'] as string, 'another-secret-000000')).toBe(false);
    expect(verifySignature(r.body.replace('agents', 'agentz'), r.headers['x-sluice-signature'] as string, SECRET)).toBe(false);
    expect(r.headers['x-sluice-timestamp']).toBe('1900000000');
    expect(r.headers['x-sluice-event']).toBe('approval.requested');
    expect(JSON.parse(r.body)).toMatchObject({ type: 'approval.requested', timestamp: 1_900_000_000, approval: { id: 'abc', rule: 'agents' } });
  });

  it('retries a 500 with back-off and stops at the first success', async () => {
    rx = await receiver([500, 503]);
    notifier = createWebhookNotifier({ url: rx.url, secret: SECRET, baseDelayMs: 1 }, { logger: silentLogger() });
    notifier.send('approval.approved', { id: 'abc' });
    const tries = [await rx.next(), await rx.next(), await rx.next()];
    await expect.poll(() => notifier!.stats().delivered).toBe(1);
    expect(notifier.stats()).toMatchObject({ attempts: 3, delivered: 1, failed: 0 });
    // One delivery id across attempts, so receivers can de-duplicate; each attempt is signed afresh.
    const bodies = tries.map((t) => JSON.parse(t.body));
    expect(new Set(bodies.map((b) => b.deliveryId)).size).toBe(1);
    for (const t of tries) expect(verifySignature(t.body, t.headers['x-sluice-signature'] as string, SECRET)).toBe(true);
  });

  it('gives up after maxAttempts and logs the host, never the URL path or the secret', async () => {
    rx = await receiver([500, 500, 500, 500]);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    notifier = createWebhookNotifier({ url: rx.url, secret: SECRET, maxAttempts: 3, baseDelayMs: 1 }, { logger });
    notifier.send('approval.denied', { id: 'abc' });
    await expect.poll(() => notifier!.stats().failed).toBe(1);
    expect(rx.got).toHaveLength(3);
    const log = lines.join('');
    expect(log).toContain('giving up');
    expect(log).toContain('127.0.0.1');
    expect(log).not.toContain('secret-path');
    expect(log).not.toContain(SECRET);
  });

  it('does not retry a 400', async () => {
    rx = await receiver([400]);
    notifier = createWebhookNotifier({ url: rx.url, secret: SECRET, baseDelayMs: 1 }, { logger: silentLogger() });
    notifier.send('approval.expired', { id: 'abc' });
    await expect.poll(() => notifier!.stats().failed).toBe(1);
    expect(rx.got).toHaveLength(1);
  });

  it('retries when nothing listens, and close() ends the back-off', async () => {
    rx = await receiver();
    const url = rx.url;
    await rx.close();
    rx = undefined;
    notifier = createWebhookNotifier({ url, secret: SECRET, baseDelayMs: 60_000 }, { logger: silentLogger() });
    notifier.send('approval.requested', { id: 'abc' });
    await expect.poll(() => notifier!.stats().attempts).toBe(1);
    await notifier.close();
    expect(notifier.stats()).toMatchObject({ attempts: 1, delivered: 0 });
  });

  it('drops events beyond maxInFlight instead of queueing without bound', async () => {
    rx = await receiver();
    notifier = createWebhookNotifier({ url: rx.url, secret: SECRET, maxInFlight: 1 }, { logger: silentLogger() });
    notifier.send('approval.requested', { id: 'a' });
    notifier.send('approval.requested', { id: 'b' });
    expect(notifier.stats().dropped).toBe(1);
    await expect.poll(() => notifier!.stats().delivered).toBe(1);
  });
});

describe('approval notifications', () => {
  it('posts a summary per event that carries no prompt and no justification', async () => {
    rx = await receiver();
    h = harness({ webhook: { url: rx.url, secret: SECRET }, publicUrl: 'https://sluice.example.com/' });
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'PLANTED-PROMPT-TEXT' }] });
    const err = await rejection(h.approvals.await(requestCtx({ body, justification: 'PLANTED-JUSTIFICATION' }), verdict('ticket'), cancellation().register));
    const id = err.details.approval_id;
    const requested = await rx.next();
    await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev', { comment: 'PLANTED-COMMENT' });
    const approved = await rx.next();

    for (const r of [requested, approved]) {
      expect(verifySignature(r.body, r.headers['x-sluice-signature'] as string, SECRET)).toBe(true);
      expect(r.body).not.toContain('PLANTED');
    }
    expect(JSON.parse(requested.body)).toMatchObject({
      type: 'approval.requested',
      approval: { id, status: 'pending', rule: 'agents', subject: 'agent-7', job: 'graph-a', hasJustification: true, url: `https://sluice.example.com/sluice/approvals/${id}` },
    });
    expect(JSON.parse(approved.body)).toMatchObject({ type: 'approval.approved', approval: { id, status: 'approved', reviewer: 'rita' } });
  });
});
