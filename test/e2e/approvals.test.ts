// Approvals through the real gateway: a held request waits for a reviewer (hold mode), a batch job gets a ticket
// it redeems after approval (ticket mode). Reviewers decide through /sluice/approvals with their own JWTs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { PermissionDeniedError } from 'openai';
import { request } from 'undici';
import { join } from 'node:path';
import { startStack, REPO, type Stack } from '../helpers/stack.js';

const EXPORT_PROMPT = 'please export the customer table to s3://bucket';
const EMAIL = 'jane.doe@example.com';

// API answers are checked field by field with matchers, so a loose type is enough here.
type Json = any;
interface Api {
  status: number;
  json: Json;
}

async function api(stack: Stack, token: string, path: string, body?: unknown): Promise<Api> {
  const res = await request(`${stack.url}/sluice/approvals${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

/** Polls the pending list until an approval of `subject` shows up (the SDK call is in flight meanwhile). */
async function pendingFor(stack: Stack, reviewer: string, subject: string): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const r = await api(stack, reviewer, '');
    expect(r.status).toBe(200);
    const found = r.json.approvals.find((a: Json) => a.identity.subject === subject);
    if (found) return found;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`no pending approval for ${subject}`);
}

async function statusOf(stack: Stack, reviewer: string, id: string, want: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 200 && last !== want; i++) {
    const r = await api(stack, reviewer, `/${id}`);
    last = r.json.approval.status;
    if (last !== want) await new Promise((res) => setTimeout(res, 10));
  }
  return last;
}

describe('hold mode (policies/default.yaml, rule agents)', () => {
  let stack: Stack;
  let reviewer: string;
  beforeAll(async () => {
    // A held client that leaves keeps its approval open this long for the SDK's retry (default 30 s).
    stack = await startStack({ config: { approvals: { rejoinSeconds: 1 } } });
    reviewer = await stack.token(['reviewers'], 'rita');
  });
  afterAll(async () => stack?.close());

  const sdk = (token: string) => new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0, timeout: 10_000 });

  it('SDK retries after a client timeout join one approval, and the last attempt gets the answer', async () => {
    stack.mock.clear();
    // openai-node retries a timed-out request (here twice, 300 ms each) with the identical body.
    const agent = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: await stack.token(['agents'], 'agent-retry'), maxRetries: 2, timeout: 300 });
    const call = agent.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: EXPORT_PROMPT }] });
    const listed = await pendingFor(stack, reviewer, 'agent-retry');
    await new Promise((r) => setTimeout(r, 450)); // the first attempt has timed out; the first retry waits
    expect((await api(stack, reviewer, '?status=pending')).json.approvals.filter((a: Json) => a.identity.subject === 'agent-retry')).toHaveLength(1);
    expect((await api(stack, reviewer, `/${listed.id}/approve`, {})).status).toBe(200);
    const res = await call;
    expect(res.choices[0].message.content).toBeTruthy();
    const all = (await api(stack, reviewer, '?status=all')).json.approvals.filter((a: Json) => a.identity.subject === 'agent-retry');
    expect(all).toHaveLength(1);
    expect(stack.mock.received).toHaveLength(1);
  });
  const ask = (client: OpenAI, content: string) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

  it('waits for a reviewer, who sees the masked prompt, rule and identity, then completes with 200', async () => {
    stack.mock.clear();
    const agent = sdk(await stack.token(['agents'], 'agent-007', 'lg-export'));
    const call = ask(agent, `${EXPORT_PROMPT}, and mail ${EMAIL}`);

    const listed = await pendingFor(stack, reviewer, 'agent-007');
    expect(listed).toMatchObject({ status: 'pending', mode: 'hold', rule: 'agents', connection: 'openai', model: 'gpt-4o-mini' });
    expect(listed.identity).toMatchObject({ subject: 'agent-007', groups: ['agents'], job: 'lg-export' });
    expect(listed.prompt).toBeUndefined(); // the list carries no prompt
    expect(stack.mock.received).toHaveLength(0); // nothing upstream before the decision

    const shown = await api(stack, reviewer, `/${listed.id}`);
    expect(shown.json.approval.prompt.text).toContain('export the customer table to s3://bucket');
    expect(shown.json.approval.prompt.text).not.toContain(EMAIL);
    expect(shown.json.approval.prompt.text).toContain('j***@example.com');
    expect(shown.json.approval.findings).toContainEqual(expect.objectContaining({ detector: 'email', action: 'mask', count: 1 }));

    const ok = await api(stack, reviewer, `/${listed.id}/approve`, { comment: 'one-off export for INC-1' });
    expect(ok.status).toBe(200);
    expect(ok.json.approval).toMatchObject({ status: 'approved', reviewer: 'rita', comment: 'one-off export for INC-1' });

    const res = await call;
    expect(res.choices[0].message.content).toContain('s3://bucket');
    expect(stack.mock.received).toHaveLength(1);
    expect(stack.mock.received[0].body).toContain('export the customer table');
    expect(stack.mock.received[0].body).not.toContain(EMAIL);

    const again = await api(stack, reviewer, `/${listed.id}/deny`, { comment: 'too late' });
    expect(again.status).toBe(409);
  });

  it('denied: the SDK raises PermissionDeniedError (403) and nothing reaches the provider', async () => {
    stack.mock.clear();
    const agent = sdk(await stack.token(['agents'], 'agent-deny'));
    const call = ask(agent, 'run terraform apply on prod');
    const settled = call.then(
      () => undefined,
      (e: unknown) => e,
    );
    const listed = await pendingFor(stack, reviewer, 'agent-deny');
    expect((await api(stack, reviewer, `/${listed.id}/deny`, { comment: 'not on prod' })).status).toBe(200);
    const err = await settled;
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as PermissionDeniedError).status).toBe(403);
    expect((err as PermissionDeniedError).code).toBe('SLUICE_APPROVAL_DENIED');
    expect(stack.mock.received).toHaveLength(0);
  });

  it('refuses self-approval by a requester who is also a reviewer; another reviewer may approve', async () => {
    const both = await stack.token(['agents', 'reviewers'], 'dual-role');
    const call = ask(sdk(both), 'DROP TABLE customers;');
    const listed = await pendingFor(stack, reviewer, 'dual-role');
    const self = await api(stack, both, `/${listed.id}/approve`, {});
    expect(self.status).toBe(403);
    expect(self.json.error.code).toBe('SLUICE_FORBIDDEN');
    expect(await statusOf(stack, reviewer, listed.id, 'pending')).toBe('pending');
    expect((await api(stack, reviewer, `/${listed.id}/approve`, {})).status).toBe(200);
    expect((await call).choices[0].message.content).toBeTruthy();
  });

  it('cancels the approval when the held client goes away', async () => {
    stack.mock.clear();
    const ac = new AbortController();
    const agent = sdk(await stack.token(['agents'], 'agent-gone'));
    const call = agent.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: EXPORT_PROMPT }] }, { signal: ac.signal })
      .catch((e: unknown) => e);
    const listed = await pendingFor(stack, reviewer, 'agent-gone');
    ac.abort();
    await call;
    expect(await statusOf(stack, reviewer, listed.id, 'cancelled')).toBe('cancelled');
    const late = await api(stack, reviewer, `/${listed.id}/approve`, {});
    expect(late.status).toBe(409);
    expect(stack.mock.received).toHaveLength(0);
  });

  it('refuses the API to non-reviewers (403) and to callers without a token (401)', async () => {
    const agent = await stack.token(['agents'], 'agent-curious');
    const r = await api(stack, agent, '');
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('SLUICE_FORBIDDEN');
    const anon = await request(`${stack.url}/sluice/approvals`);
    expect(anon.statusCode).toBe(401);
    await anon.body.text();
  });
});

describe('ticket mode (test/fixtures/e2e/ticket-policy, rule batch)', () => {
  let stack: Stack;
  let reviewer: string;
  let job: string;
  beforeAll(async () => {
    stack = await startStack({ policiesDir: join(REPO, 'test/fixtures/e2e/ticket-policy') });
    reviewer = await stack.token(['reviewers'], 'rita');
    job = await stack.token(['batch-jobs'], 'svc-batch', 'nightly-export');
  });
  afterAll(async () => stack?.close());

  const payload = (content: string) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
  async function chat(token: string, body: string, headers: Record<string, string> = {}) {
    const res = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-sluice-session': 'batch-run-1', ...headers },
      body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, json: JSON.parse(text) };
  }

  it('answers 403 with an approval id at once, and the retry passes once approved', async () => {
    stack.mock.clear();
    const body = payload(`export last night's orders for ${EMAIL}`);
    const first = await chat(job, body);
    expect(first.status).toBe(403);
    expect(first.json.error).toMatchObject({ type: 'permission_error', code: 'SLUICE_APPROVAL_REQUIRED' });
    const id: string = first.json.error.approval_id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(first.headers['x-sluice-approval']).toBe(id);

    // Retrying while pending: refused, same id, and a repeat without the header reuses the ticket.
    expect((await chat(job, body, { 'x-sluice-approval': id })).json.error.code).toBe('SLUICE_APPROVAL_REQUIRED');
    expect((await chat(job, body)).json.error.approval_id).toBe(id);
    expect(stack.mock.received).toHaveLength(0);

    const listed = await api(stack, reviewer, `/${id}`);
    expect(listed.json.approval).toMatchObject({ mode: 'ticket', rule: 'batch', status: 'pending' });
    expect((await api(stack, reviewer, `/${id}/approve`, { comment: 'ok' })).status).toBe(200);

    const retry = await chat(job, body, { 'x-sluice-approval': id });
    expect(retry.status).toBe(200);
    expect(stack.mock.received).toHaveLength(1);
    expect(stack.mock.received[0].body).not.toContain(EMAIL);

    // Refusals of the approved ticket: another identity, a changed body.
    const other = await stack.token(['batch-jobs'], 'svc-other', 'nightly-export');
    const stolen = await chat(other, body, { 'x-sluice-approval': id });
    expect(stolen.status).toBe(403);
    expect(stolen.json.error.code).toBe('SLUICE_FORBIDDEN');
    const changed = await chat(job, payload(`export ALL orders for ${EMAIL}`), { 'x-sluice-approval': id });
    expect(changed.status).toBe(403);
    expect(changed.json.error.code).toBe('SLUICE_FORBIDDEN');
    expect(stack.mock.received).toHaveLength(1);
  });

  it('a denied ticket stays refused on retry', async () => {
    const body = payload('export the payroll table');
    const first = await chat(job, body);
    const id: string = first.json.error.approval_id;
    expect((await api(stack, reviewer, `/${id}/deny`, { comment: 'no payroll exports' })).status).toBe(200);
    const retry = await chat(job, body, { 'x-sluice-approval': id });
    expect(retry.status).toBe(403);
    expect(retry.json.error.code).toBe('SLUICE_APPROVAL_DENIED');
  });
});
