import { afterEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import { cancellation, harness, rejection, requestCtx, verdict, type Harness } from './helpers.js';

let h: Harness;
afterEach(() => h?.close());

describe('hold mode', () => {
  it('waits until a reviewer approves, then marks the context', async () => {
    h = harness();
    const ctx = requestCtx({ justification: 'quarterly export' });
    const waiting = h.approvals.await(ctx, verdict('hold'), cancellation().register);
    const id = await h.pendingId();
    expect(ctx.approvalId).toBe(id);

    const res = await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev', { comment: 'ok for Q3' });
    expect(res?.status).toBe(200);
    await waiting;
    expect(ctx.approver).toBe('rita');
    expect(ctx.approvalId).toBe(id);
    const a = await h.approvals.store.get(id);
    expect(a).toMatchObject({ status: 'approved', reviewer: 'rita', comment: 'ok for Q3', justification: 'quarterly export', mode: 'hold' });
  });

  it('fails with SLUICE_APPROVAL_DENIED carrying the approval id when denied', async () => {
    h = harness();
    const ctx = requestCtx();
    const waiting = rejection(h.approvals.await(ctx, verdict('hold'), cancellation().register));
    const id = await h.pendingId();
    expect((await h.call('POST', `/sluice/approvals/${id}/deny`, 'tok-rev', { comment: 'not this quarter' }))?.status).toBe(200);
    const err = await waiting;
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.code).toBe('SLUICE_APPROVAL_DENIED');
    expect(err.details).toEqual({ approval_id: id });
    expect(ctx.approver).toBeUndefined();
  });

  it('times out after the rule timeout and expires the approval', async () => {
    h = harness();
    const waiting = rejection(h.approvals.await(requestCtx(), verdict('hold', 30), cancellation().register));
    const id = await h.pendingId();
    h.timers.advance(29_999);
    expect((await h.approvals.store.get(id))?.status).toBe('pending');
    h.timers.advance(1);
    const err = await waiting;
    expect(err.code).toBe('SLUICE_APPROVAL_TIMEOUT');
    expect((await h.approvals.store.get(id))?.status).toBe('expired');
    // Too late for a reviewer now.
    expect((await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev'))?.status).toBe(409);
  });

  it('uses the configured default timeout when the verdict names none', async () => {
    h = harness({ defaultTimeoutSeconds: 5 });
    const waiting = rejection(h.approvals.await(requestCtx(), verdict('hold', 0), cancellation().register));
    const id = await h.pendingId();
    const a = await h.approvals.store.get(id);
    expect(a!.expiresAt - a!.createdAt).toBe(5000);
    h.timers.advance(5000);
    expect((await waiting).code).toBe('SLUICE_APPROVAL_TIMEOUT');
  });

  it('cancels the approval when the client goes away and no retry joins within rejoinSeconds', async () => {
    h = harness({ rejoinSeconds: 30 });
    const client = cancellation();
    const waiting = rejection(h.approvals.await(requestCtx(), verdict('hold'), client.register));
    const id = await h.pendingId();
    client.fire();
    expect((await waiting).code).toBe('SLUICE_CLIENT_ABORTED');
    expect((await h.approvals.store.get(id))?.status).toBe('pending');
    h.timers.advance(30_000);
    await new Promise((r) => setImmediate(r));
    expect((await h.approvals.store.get(id))?.status).toBe('cancelled');
    expect(h.timers.size).toBe(0);
    expect((await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev'))?.status).toBe(409);
  });

  it('cancels at once with rejoinSeconds: 0', async () => {
    h = harness({ rejoinSeconds: 0 });
    const client = cancellation();
    const waiting = rejection(h.approvals.await(requestCtx(), verdict('hold'), client.register));
    const id = await h.pendingId();
    client.fire();
    expect((await waiting).code).toBe('SLUICE_CLIENT_ABORTED');
    await new Promise((r) => setImmediate(r));
    expect((await h.approvals.store.get(id))?.status).toBe('cancelled');
  });

  it('an SDK retry of a held request joins the pending approval instead of opening another', async () => {
    h = harness();
    const first = cancellation();
    const a = rejection(h.approvals.await(requestCtx(), verdict('hold'), first.register));
    const id = await h.pendingId();
    first.fire(); // the SDK timed out and closed the connection...
    expect((await a).code).toBe('SLUICE_CLIENT_ABORTED');
    const retry = requestCtx(); // ...and sends the identical request again
    const b = h.approvals.await(retry, verdict('hold'), cancellation().register);
    await new Promise((r) => setImmediate(r));
    expect(retry.approvalId).toBe(id);
    expect(await h.approvals.store.list()).toHaveLength(1);
    h.timers.advance(60_000); // the abandoned attempt's rejoin window passes: the joined retry keeps it alive
    expect((await h.approvals.store.get(id))?.status).toBe('pending');
    await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev');
    await b;
    expect(retry.approver).toBe('rita');
    expect(h.audits.filter((r) => r.detail?.event === 'requested')).toHaveLength(1);
  });

  it('a retry after the approval landed while the client was away passes once, without a new approval', async () => {
    h = harness();
    const first = cancellation();
    const a = rejection(h.approvals.await(requestCtx(), verdict('hold'), first.register));
    const id = await h.pendingId();
    first.fire();
    await a;
    await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev');
    const retry = requestCtx();
    await h.approvals.await(retry, verdict('hold'), cancellation().register);
    expect(retry).toMatchObject({ approvalId: id, approver: 'rita' });
    // The approval was for one request: a further identical request asks again.
    const again = requestCtx();
    const c = h.approvals.await(again, verdict('hold'), cancellation().register);
    const next = await h.pendingId();
    expect(next).not.toBe(id);
    await h.call('POST', `/sluice/approvals/${next}/deny`, 'tok-rev', { comment: 'once was enough' });
    await expect(c).rejects.toThrow();
  });

  it('does not join a different session, rule or body', async () => {
    h = harness();
    void rejection(h.approvals.await(requestCtx(), verdict('hold'), cancellation().register));
    await h.pendingId(1);
    void rejection(h.approvals.await(requestCtx({ body: '{"model":"gpt-4o-mini","messages":[]}' }), verdict('hold'), cancellation().register));
    await h.pendingId(2);
    void rejection(h.approvals.await(requestCtx({ token: 'tok-same-job' }), verdict('hold'), cancellation().register));
    await h.pendingId(3);
    const own = requestCtx({ headers: { 'x-sluice-session': 's-other' } });
    own.identity!.session = 's-other';
    void rejection(h.approvals.await(own, verdict('hold'), cancellation().register));
    await h.pendingId(4);
    void rejection(h.approvals.await(requestCtx(), verdict('hold', 600, 'other-rule'), cancellation().register));
    await h.pendingId(5);
  });

  it('ignores a client abort that comes after the approval', async () => {
    h = harness();
    const client = cancellation();
    const ctx = requestCtx();
    const waiting = h.approvals.await(ctx, verdict('hold'), client.register);
    const id = await h.pendingId();
    await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev');
    await waiting;
    client.fire();
    await new Promise((r) => setImmediate(r));
    expect((await h.approvals.store.get(id))?.status).toBe('approved');
  });

  it('ends held requests with SLUICE_SHUTTING_DOWN on close', async () => {
    h = harness();
    const waiting = rejection(h.approvals.await(requestCtx(), verdict('hold'), cancellation().register));
    const id = await h.pendingId();
    await h.approvals.close();
    expect((await waiting).code).toBe('SLUICE_SHUTTING_DOWN');
    expect(h.audits.map((r) => r.detail?.event)).toEqual(['requested', 'cancelled']);
    expect(h.audits[1].approvalId).toBe(id);
  });
});

describe('standing grants', () => {
  it('lets the same job + rule pass without a new approval until the grant ends', async () => {
    h = harness();
    const first = h.approvals.await(requestCtx(), verdict('hold'), cancellation().register);
    const id = await h.pendingId();
    expect((await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev', { grantMinutes: 10 }))?.status).toBe(200);
    await first;

    const later = requestCtx({ body: '{"messages":[{"role":"user","content":"another export"}]}' });
    await h.approvals.await(later, verdict('hold'), cancellation().register);
    expect(later.approver).toBe('grant:rita');
    expect(later.approvalId).toBe(id);
    // A grant also covers a retry that still carries a ticket header.
    const withHeader = requestCtx({ headers: { 'x-sluice-approval': 'AAAAAAAAAAAAAAAAAAAAAA' } });
    await h.approvals.await(withHeader, verdict('ticket'), cancellation().register);
    expect(withHeader.approver).toBe('grant:rita');
    expect(await h.approvals.store.list({ status: 'pending' })).toHaveLength(0);

    // Another job, another rule, or another caller naming the same job still needs its own approval.
    const sameJob = rejection(h.approvals.await(requestCtx({ token: 'tok-same-job' }), verdict('ticket'), cancellation().register));
    expect((await sameJob).code).toBe('SLUICE_APPROVAL_REQUIRED');
    const otherJob = rejection(h.approvals.await(requestCtx({ token: 'tok-agent-other-job' }), verdict('ticket'), cancellation().register));
    expect((await otherJob).code).toBe('SLUICE_APPROVAL_REQUIRED');
    const otherRule = rejection(h.approvals.await(requestCtx(), verdict('ticket', 600, 'exports'), cancellation().register));
    expect((await otherRule).code).toBe('SLUICE_APPROVAL_REQUIRED');

    h.clock.t += 10 * 60_000;
    const expired = rejection(h.approvals.await(requestCtx(), verdict('ticket'), cancellation().register));
    expect((await expired).code).toBe('SLUICE_APPROVAL_REQUIRED');
  });

  it('is refused for a request without a job', async () => {
    h = harness();
    const waiting = rejection(h.approvals.await(requestCtx({ token: 'tok-analyst' }), verdict('hold'), cancellation().register));
    const id = await h.pendingId();
    const res = await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev', { grantMinutes: 5 });
    expect(res?.status).toBe(400);
    expect(res?.body.error.message).toBe('grantMinutes needs a job: this request carries none');
    await h.call('POST', `/sluice/approvals/${id}/deny`, 'tok-rev', { comment: 'no' });
    await waiting;
  });
});

describe('audit', () => {
  it('receives one approval record per event, with reviewer, comment and identity', async () => {
    h = harness();
    const approved = h.approvals.await(requestCtx({ justification: 'why' }), verdict('hold'), cancellation().register);
    const a1 = await h.pendingId();
    await h.call('POST', `/sluice/approvals/${a1}/approve`, 'tok-rev', { comment: 'fine', grantMinutes: 3 });
    await approved;
    const denied = rejection(h.approvals.await(requestCtx({ token: 'tok-etl' }), verdict('hold'), cancellation().register));
    const a2 = await h.pendingId();
    await h.call('POST', `/sluice/approvals/${a2}/deny`, 'tok-rev2', { comment: 'no' });
    await denied;
    const timedOut = rejection(h.approvals.await(requestCtx({ token: 'tok-analyst' }), verdict('hold', 1), cancellation().register));
    const a3 = await h.pendingId();
    h.timers.advance(1000);
    await timedOut;

    const rows = h.audits.map((r) => [r.kind, r.approvalId, r.detail?.event, r.decision, r.approver]);
    expect(rows).toEqual([
      ['approval', a1, 'requested', 'held', null],
      ['approval', a1, 'approved', 'approved', 'rita'],
      ['approval', a2, 'requested', 'held', null],
      ['approval', a2, 'denied', 'denied', 'rob'],
      ['approval', a3, 'requested', 'held', null],
      ['approval', a3, 'expired', 'denied', null],
    ]);
    expect(h.audits[1]).toMatchObject({
      identity: { subject: 'agent-7', groups: ['agents'], job: 'graph-a', session: 's-1' },
      connection: 'openai',
      route: 'chat.completions',
      model: 'gpt-4o-mini',
      justification: 'why',
      findings: [{ detector: 'email', type: 'email', action: 'mask', count: 2 }],
      detail: { event: 'approved', rule: 'agents', mode: 'hold', comment: 'fine', grantMinutes: 3 },
    });
    expect(h.audits[3].detail).toMatchObject({ comment: 'no' });
  });
});
