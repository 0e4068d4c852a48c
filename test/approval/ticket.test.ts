import { afterEach, describe, expect, it } from 'vitest';
import { errorBody } from '../../src/errors.js';
import { cancellation, harness, rejection, requestCtx, verdict, type CtxInit, type Harness } from './helpers.js';

let h: Harness;
afterEach(() => h?.close());

const noCancel = cancellation().register;

async function ticket(init: CtxInit = {}): Promise<string> {
  const err = await rejection(h.approvals.await(requestCtx(init), verdict('ticket'), noCancel));
  expect(err.code).toBe('SLUICE_APPROVAL_REQUIRED');
  return err.details.approval_id as string;
}

function retry(id: string, init: CtxInit = {}) {
  const ctx = requestCtx({ ...init, headers: { 'x-sluice-approval': id } });
  return { ctx, result: rejection(h.approvals.await(ctx, verdict('ticket'), noCancel)) };
}

describe('ticket mode', () => {
  it('answers at once with a provider-shaped 403 carrying the approval id', async () => {
    h = harness();
    const err = await rejection(h.approvals.await(requestCtx(), verdict('ticket'), noCancel));
    expect(err.status).toBe(403);
    const id = err.details.approval_id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(err.headers['x-sluice-approval']).toBe(id);
    expect(JSON.parse(errorBody(err, 'openai')).error).toMatchObject({ code: 'SLUICE_APPROVAL_REQUIRED', approval_id: id, type: 'permission_error' });
    expect(JSON.parse(errorBody(err, 'anthropic')).error).toMatchObject({ approval_id: id });
    expect((await h.approvals.store.get(id))?.mode).toBe('ticket');
  });

  it('round trip: pending retry refused, approved retry passes with the reviewer recorded', async () => {
    h = harness();
    const id = await ticket();
    const early = retry(id);
    expect((await early.result).code).toBe('SLUICE_APPROVAL_REQUIRED');

    await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev', { comment: 'go' });
    const ok = retry(id);
    expect(await ok.result).toBeUndefined();
    expect(ok.ctx.approver).toBe('rita');
    expect(ok.ctx.approvalId).toBe(id);
    // SDK retries of the identical request keep passing while the approval is retained.
    expect(await retry(id).result).toBeUndefined();
    expect((await h.approvals.store.get(id))?.uses).toBe(2);
  });

  it('reuses one pending ticket for identical retries without the header', async () => {
    h = harness();
    const a = await ticket();
    expect(await ticket()).toBe(a);
    expect(await ticket({ body: '{"messages":[{"role":"user","content":"something else"}]}' })).not.toBe(a);
    expect(await ticket({ token: 'tok-etl' })).not.toBe(a);
    expect(await h.approvals.store.list({ status: 'pending' })).toHaveLength(3);
  });

  it.each([
    ['a different subject', { token: 'tok-etl' }, 'belongs to a different caller'],
    ['the same subject under another job', { token: 'tok-agent-other-job' }, 'belongs to a different caller'],
    ['a changed body', { body: '{"messages":[{"role":"user","content":"export everything"}]}' }, 'for a different request body'],
  ] as const)('refuses a replay with %s (SLUICE_FORBIDDEN)', async (_name, init, message) => {
    h = harness();
    const id = await ticket();
    await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev');
    const r = retry(id, init);
    const err = await r.result;
    expect(err.code).toBe('SLUICE_FORBIDDEN');
    expect(err.message).toContain(message);
    expect(r.ctx.approver).toBeUndefined();
    expect((await h.approvals.store.get(id))?.uses).toBe(0);
  });

  it('refuses a ticket issued under another rule', async () => {
    h = harness();
    const id = await ticket();
    await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev');
    const ctx = requestCtx({ headers: { 'x-sluice-approval': id } });
    const err = await rejection(h.approvals.await(ctx, verdict('ticket', 600, 'exports'), noCancel));
    expect(err.code).toBe('SLUICE_FORBIDDEN');
  });

  it.each([
    ['an unknown id', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['a malformed id', '../../etc/passwd'],
  ])('refuses %s', async (_name, id) => {
    h = harness();
    expect((await retry(id).result).code).toBe('SLUICE_FORBIDDEN');
  });

  it('a denied ticket stays denied', async () => {
    h = harness();
    const id = await ticket();
    await h.call('POST', `/sluice/approvals/${id}/deny`, 'tok-rev', { comment: 'no exports' });
    const err = await retry(id).result;
    expect(err.code).toBe('SLUICE_APPROVAL_DENIED');
    expect(err.details.approval_id).toBe(id);
    // Asking again without the header opens a fresh approval.
    expect(await ticket()).not.toBe(id);
  });

  it('a ticket nobody decides expires at its deadline', async () => {
    h = harness();
    const id = await ticket();
    h.clock.t += 600_000;
    expect((await retry(id).result).code).toBe('SLUICE_APPROVAL_TIMEOUT');
    expect((await h.approvals.store.get(id))?.status).toBe('expired');
    expect(h.audits.map((r) => r.detail?.event)).toEqual(['requested', 'expired']);
  });

  it('an approved ticket stops redeeming after retainSeconds', async () => {
    h = harness({ retainSeconds: 120 });
    const id = await ticket();
    await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev');
    h.clock.t += 119_000;
    expect(await retry(id).result).toBeUndefined();
    h.clock.t += 1_000;
    expect((await retry(id).result).code).toBe('SLUICE_APPROVAL_TIMEOUT');
  });
});
