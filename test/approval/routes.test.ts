import { afterEach, describe, expect, it } from 'vitest';
import { cancellation, harness, rejection, requestCtx, verdict, type Harness } from './helpers.js';

let h: Harness;
afterEach(() => h?.close());

async function openTicket(token = 'tok-agent', body?: string): Promise<string> {
  const err = await rejection(h.approvals.await(requestCtx({ token, body }), verdict('ticket'), cancellation().register));
  return err.details.approval_id;
}

describe('reviewer API: who may call it', () => {
  it.each([
    ['no credential', undefined, 401, 'SLUICE_AUTH_MISSING'],
    ['an unknown credential', 'tok-nobody', 401, 'SLUICE_AUTH_INVALID'],
    ['a caller outside the reviewer groups', 'tok-analyst', 403, 'SLUICE_FORBIDDEN'],
  ])('refuses %s', async (_name, token, status, code) => {
    h = harness();
    const id = await openTicket();
    for (const [method, path] of [['GET', '/sluice/approvals'], ['GET', `/sluice/approvals/${id}`], ['POST', `/sluice/approvals/${id}/approve`]]) {
      const res = await h.call(method, path, token);
      expect(res?.status).toBe(status);
      expect(res?.body.error.code).toBe(code);
    }
    expect((await h.approvals.store.get(id))?.status).toBe('pending');
  });

  it('asks for a bearer credential on 401', async () => {
    h = harness();
    expect((await h.call('GET', '/sluice/approvals'))?.headers).toContainEqual(['www-authenticate', 'Bearer']);
  });

  it('reads the reviewer groups on every call (policy hot reload)', async () => {
    let groups = ['reviewers'];
    h = harness({ reviewerGroups: () => groups });
    expect((await h.call('GET', '/sluice/approvals', 'tok-rev'))?.status).toBe(200);
    groups = ['security'];
    expect((await h.call('GET', '/sluice/approvals', 'tok-rev'))?.status).toBe(403);
  });

  it.each(['approve', 'deny'])('refuses a requester who would %s their own request', async (verb) => {
    h = harness();
    const id = await openTicket();
    const res = await h.call('POST', `/sluice/approvals/${id}/${verb}`, 'tok-agent-reviewer', { comment: 'mine' });
    expect(res?.status).toBe(403);
    expect(res?.body.error).toEqual({ code: 'SLUICE_FORBIDDEN', message: 'A requester cannot decide their own approval' });
    expect((await h.approvals.store.get(id))?.status).toBe('pending');
    expect(h.audits.map((r) => r.detail?.event)).toEqual(['requested']);
  });
});

describe('reviewer API: endpoints', () => {
  it('lists pending approvals without the prompt and filters by status', async () => {
    h = harness();
    const a = await openTicket();
    const b = await openTicket('tok-etl');
    await h.call('POST', `/sluice/approvals/${b}/deny`, 'tok-rev', { comment: 'no' });

    const pending = await h.call('GET', '/sluice/approvals', 'tok-rev');
    expect(pending?.status).toBe(200);
    expect(pending?.body.approvals.map((x: { id: string }) => x.id)).toEqual([a]);
    expect(pending?.body.approvals[0].prompt).toBeUndefined();
    expect(pending?.body.approvals[0]).toMatchObject({ status: 'pending', rule: 'agents', createdAt: '2030-01-02T03:04:05.000Z', identity: { subject: 'agent-7' } });

    const denied = await h.call('GET', '/sluice/approvals?status=denied', 'tok-rev');
    expect(denied?.body.approvals.map((x: { id: string }) => x.id)).toEqual([b]);
    const all = await h.call('GET', '/sluice/approvals?status=all&limit=1', 'tok-rev');
    expect(all?.body.approvals.map((x: { id: string }) => x.id)).toEqual([a]);
  });

  it.each([
    ['?status=bogus', 'status must be one of: all, pending, approved, denied, expired, cancelled'],
    ['?limit=0', 'limit must be an integer from 1 to 1000'],
    ['?limit=abc', 'limit must be an integer from 1 to 1000'],
  ])('rejects list query %s', async (q, message) => {
    h = harness();
    const res = await h.call('GET', `/sluice/approvals${q}`, 'tok-rev');
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'SLUICE_BAD_REQUEST', message } } });
  });

  it('shows one approval with its masked prompt and findings', async () => {
    h = harness();
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'mail ****@****.com' }] });
    const id = await openTicket('tok-agent', body);
    const res = await h.call('GET', `/sluice/approvals/${id}`, 'tok-rev');
    expect(res?.status).toBe(200);
    expect(res?.body.approval).toMatchObject({
      id,
      status: 'pending',
      mode: 'ticket',
      connection: 'openai',
      model: 'gpt-4o-mini',
      prompt: { text: 'system: be brief\nuser: mail ****@****.com', truncated: false },
      findings: [{ detector: 'email', count: 2 }],
      expiresAt: '2030-01-02T03:14:05.000Z',
    });
    expect(res?.body.approval.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers 409 to a second decision and keeps the first', async () => {
    h = harness();
    const id = await openTicket();
    expect((await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev'))?.status).toBe(200);
    const again = await h.call('POST', `/sluice/approvals/${id}/deny`, 'tok-rev2', { comment: 'late' });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'SLUICE_APPROVAL_CONFLICT', message: `Approval ${id} is already approved` } } });
    expect((await h.approvals.store.get(id))?.reviewer).toBe('rita');
  });

  it.each([
    ['deny without a comment', 'deny', {}, 400, 'comment is required to deny'],
    ['a blank comment on deny', 'deny', { comment: '   ' }, 400, 'comment is required to deny'],
    ['an unknown field', 'approve', { comment: 'x', force: true }, 400, 'unknown field "force" (expected: comment, grantMinutes)'],
    ['grantMinutes on deny', 'deny', { comment: 'x', grantMinutes: 5 }, 400, 'unknown field "grantMinutes" (expected: comment)'],
    ['grantMinutes above the maximum', 'approve', { grantMinutes: 481 }, 400, 'grantMinutes must be an integer from 1 to 480'],
    ['fractional grantMinutes', 'approve', { grantMinutes: 1.5 }, 400, 'grantMinutes must be an integer from 1 to 480'],
    ['a non-string comment', 'approve', { comment: 7 }, 400, 'comment must be a string'],
    ['a JSON array', 'approve', [], 400, 'body must be a JSON object'],
    ['broken JSON', 'approve', '{"comment":', 400, 'body is not valid JSON'],
  ])('rejects %s', async (_name, verb, body, status, message) => {
    h = harness();
    const id = await openTicket();
    const res = await h.call('POST', `/sluice/approvals/${id}/${verb}`, 'tok-rev', body);
    expect(res?.status).toBe(status);
    expect(res?.body.error.message).toBe(message);
    expect((await h.approvals.store.get(id))?.status).toBe('pending');
  });

  it.each([
    ['GET', '/sluice/approvals/nope', 404, 'SLUICE_NOT_FOUND'],
    ['POST', '/sluice/approvals/nope/approve', 404, 'SLUICE_NOT_FOUND'],
    ['GET', '/sluice/approvals/x/y/z', 404, 'SLUICE_NOT_FOUND'],
    ['GET', '/sluice/approvals/%E0%A4%A', 404, 'SLUICE_NOT_FOUND'],
    ['POST', '/sluice/approvals', 405, 'SLUICE_METHOD_NOT_ALLOWED'],
    ['GET', '/sluice/approvals/x/approve', 405, 'SLUICE_METHOD_NOT_ALLOWED'],
  ])('%s %s → %i', async (method, path, status, code) => {
    h = harness();
    const res = await h.call(method, path, 'tok-rev');
    expect(res?.status).toBe(status);
    expect(res?.body.error.code).toBe(code);
  });

  it.each(['/sluice/shadow', '/sluice/approvalsX', '/v1/chat/completions'])('leaves %s to other routes', async (path) => {
    h = harness();
    expect(await h.call('GET', path, 'tok-rev')).toBeNull();
  });
});

describe('reviewer API: reviewers per rule and operators (src/approval/access.ts)', () => {
  // rita reviews rules without their own reviewers; ann (analysts) reviews `payments` only; rob (staff) operates.
  const reviewerPolicy = () => ({ reviewerGroups: ['reviewers'], operatorGroups: ['staff'], rules: [{ id: 'payments', reviewers: ['analysts'] }] });
  async function open(rule: string, token = 'tok-agent'): Promise<string> {
    const err = await rejection(h.approvals.await(requestCtx({ token, body: `{"rule":"${rule}"}` }), verdict('ticket', 600, rule), cancellation().register));
    return err.details.approval_id;
  }
  const ids = async (token: string) => ((await h.call('GET', '/sluice/approvals', token))?.body.approvals ?? []).map((x: { rule: string }) => x.rule);

  it('lists to each caller only the approvals of rules they review; operators see all', async () => {
    h = harness({ reviewerPolicy });
    await open('agents');
    await open('payments', 'tok-etl');
    expect(await ids('tok-rev')).toEqual(['agents']);
    expect(await ids('tok-analyst')).toEqual(['payments']);
    expect(await ids('tok-rev2')).toEqual(['agents', 'payments']);
  });

  it('answers 404 for an approval outside the caller\'s rules, and lets its own reviewers decide it', async () => {
    h = harness({ reviewerPolicy });
    const id = await open('payments');
    expect((await h.call('GET', `/sluice/approvals/${id}`, 'tok-rev'))?.status).toBe(404);
    const refused = await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev', {});
    expect(refused?.status).toBe(404);
    expect((await h.approvals.store.get(id))?.status).toBe('pending');
    const ok = await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-analyst', { comment: 'fine' });
    expect(ok?.body.approval).toMatchObject({ status: 'approved', reviewer: 'ann' });
  });

  it('limits after filtering, so invisible approvals do not crowd out visible ones', async () => {
    h = harness({ reviewerPolicy });
    await open('payments');
    await open('payments', 'tok-etl');
    await open('agents', 'tok-same-job');
    const res = await h.call('GET', '/sluice/approvals?limit=1', 'tok-rev');
    expect(res?.body.approvals.map((x: { rule: string }) => x.rule)).toEqual(['agents']);
  });

  it('answers a conflict with who decided first', async () => {
    h = harness({ reviewerPolicy });
    const id = await open('agents');
    await h.call('POST', `/sluice/approvals/${id}/deny`, 'tok-rev2', { comment: 'no' });
    const late = await h.call('POST', `/sluice/approvals/${id}/approve`, 'tok-rev', {});
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'SLUICE_APPROVAL_CONFLICT', message: `Approval ${id} is already denied` } } });
  });
});
