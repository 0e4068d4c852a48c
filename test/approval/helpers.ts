// Shared fixtures: a fake authenticator, a manual clock and timers, request contexts and a wired service.
import type { Approval } from '../../src/approval/types.js';
import type { AuditRecordInput } from '../../src/audit/record.js';
import { createContext, type RequestContext } from '../../src/context.js';
import { authFailure } from '../../src/auth/failures.js';
import { silentLogger } from '../../src/observe/logger.js';
import type { Verdict } from '../../src/ports.js';
import type { FindingSummary, Identity } from '../../src/types.js';
import { createApprovals, type Approvals, type ApprovalsOptions } from '../../src/approval/service.js';
import type { Timers } from '../../src/approval/timers.js';

export const T0 = Date.parse('2030-01-02T03:04:05.000Z');

export const PEOPLE: Record<string, Identity> = {
  'tok-agent': { subject: 'agent-7', groups: ['agents'], job: 'graph-a', session: 's-1', via: 'jwt' },
  'tok-agent-other-job': { subject: 'agent-7', groups: ['agents'], job: 'graph-b', session: 's-1', via: 'jwt' },
  // Another caller naming the same job (e.g. through x-sluice-job).
  'tok-same-job': { subject: 'mallory', groups: ['agents'], job: 'graph-a', session: 's-7', via: 'service-key' },
  'tok-etl': { subject: 'svc-etl', groups: ['agents'], job: 'nightly', session: 's-2', via: 'service-key' },
  'tok-rev': { subject: 'rita', groups: ['reviewers'], session: 's-3', via: 'jwt' },
  'tok-rev2': { subject: 'rob', groups: ['staff', 'reviewers'], session: 's-4', via: 'jwt' },
  'tok-analyst': { subject: 'ann', groups: ['analysts'], session: 's-5', via: 'jwt' },
  // A reviewer who is also the requester in the self-approval case.
  'tok-agent-reviewer': { subject: 'agent-7', groups: ['agents', 'reviewers'], job: 'graph-a', session: 's-6', via: 'jwt' },
};

export async function fakeAuthenticate(headers: Record<string, string>): Promise<Identity> {
  const m = /^Bearer (\S+)$/.exec(headers.authorization ?? '');
  if (!m) throw authFailure('SLUICE_AUTH_MISSING');
  const who = PEOPLE[m[1]];
  if (!who) throw authFailure('SLUICE_AUTH_INVALID');
  return structuredClone(who);
}

export interface ManualTimers extends Timers {
  /** Runs every timer due at or before `clock.t` (after advancing it by `ms`). */
  advance(ms: number): void;
  readonly size: number;
}

export function manualClock(): { clock: { t: number }; timers: ManualTimers } {
  const clock = { t: T0 };
  const due = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const timers: ManualTimers = {
    setTimeout(fn, ms) {
      const h = next++;
      due.set(h, { at: clock.t + ms, fn });
      return h;
    },
    clearTimeout(h) {
      due.delete(h as number);
    },
    advance(ms) {
      clock.t += ms;
      for (const [h, d] of [...due]) {
        if (d.at <= clock.t) {
          due.delete(h);
          d.fn();
        }
      }
    },
    get size() {
      return due.size;
    },
  };
  return { clock, timers };
}

export interface CtxInit {
  token?: string;
  body?: string;
  headers?: Record<string, string>;
  findings?: FindingSummary[];
  justification?: string;
}

export function requestCtx(init: CtxInit = {}): RequestContext {
  const ctx = createContext({ id: `req-${Math.random().toString(36).slice(2, 10)}`, method: 'POST', path: '/v1/chat/completions', headers: { ...init.headers }, remoteAddress: '10.0.0.9' });
  ctx.identity = structuredClone(PEOPLE[init.token ?? 'tok-agent']);
  ctx.route = { connection: 'openai', provider: 'openai', route: 'chat.completions', upstreamPath: '/chat/completions', query: '', method: 'POST', inspect: true };
  ctx.model = 'gpt-4o-mini';
  const body = init.body ?? JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export the customer table to s3://bucket' }] });
  ctx.maskedRequest = new TextEncoder().encode(body);
  ctx.findingSummary = init.findings ?? [{ detector: 'email', type: 'email', action: 'mask', count: 2 }];
  if (init.justification) ctx.justification = init.justification;
  return ctx;
}

export function verdict(mode: 'hold' | 'ticket', timeoutSeconds = 600, rule = 'agents'): Verdict {
  return { outcome: 'approve', rules: [rule], approvalMode: mode, approval: { rule, mode, timeoutSeconds } };
}

/** An onCancel registrar whose callback the test fires (the client "goes away"). */
export function cancellation(): { register: (cb: () => void) => void; fire: () => void } {
  const cbs: Array<() => void> = [];
  return { register: (cb) => void cbs.push(cb), fire: () => cbs.forEach((cb) => cb()) };
}

export interface Harness {
  approvals: Approvals;
  audits: AuditRecordInput[];
  clock: { t: number };
  timers: ManualTimers;
  call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any; headers?: Array<[string, string]> } | null>;
  /** Waits (bounded) until `n` approvals are pending and returns the newest id. */
  pendingId(n?: number): Promise<string>;
  close(): Promise<void>;
}

export function harness(extra: Partial<ApprovalsOptions> = {}): Harness {
  const { clock, timers } = manualClock();
  const audits: AuditRecordInput[] = [];
  const approvals = createApprovals({
    reviewerGroups: () => ['reviewers'],
    authenticate: fakeAuthenticate,
    audit: (r) => audits.push(r),
    logger: silentLogger(),
    now: () => clock.t,
    timers,
    sweepIntervalMs: 0,
    ...extra,
  });
  return {
    approvals,
    audits,
    clock,
    timers,
    async call(method, path, token, body) {
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const ctx = createContext({ id: 'admin-req', method, path, headers, remoteAddress: '10.0.0.1' });
      const raw = body === undefined ? new Uint8Array(0) : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
      return approvals.handle(ctx, raw);
    },
    async pendingId(n = 1) {
      for (let i = 0; i < 200; i++) {
        const pending = await approvals.store.list({ status: 'pending' });
        if (pending.length >= n) return pending[pending.length - 1].id;
        await new Promise((r) => setImmediate(r));
      }
      throw new Error(`expected ${n} pending approval(s)`);
    },
    close: () => approvals.close(),
  };
}

/** Runs `p` to completion and returns what it threw (or undefined). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err;
  }
}

let approvalSeq = 0;
/** A pending approval record with plausible fields (store tests). */
export function approvalRecord(over: Partial<Approval> = {}): Approval {
  approvalSeq++;
  return {
    id: `id-${String(approvalSeq).padStart(16, '0')}-${process.pid}`,
    createdAt: 1000,
    expiresAt: 61_000,
    requestId: `req-${approvalSeq}`,
    identity: { subject: 'agent-7', groups: ['agents'], job: 'graph-a', session: 's' },
    connection: 'openai',
    route: 'chat.completions',
    model: 'gpt-4o-mini',
    prompt: { text: 'user: hi', bytes: 20, truncated: false },
    findings: [],
    rule: 'agents',
    justification: null,
    mode: 'hold',
    status: 'pending',
    reviewer: null,
    comment: null,
    decidedAt: null,
    grantMinutes: null,
    requestHash: 'a'.repeat(64),
    uses: 0,
    ...over,
  };
}
