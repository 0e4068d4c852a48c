// Building approvals from the request context, and the views of them that leave the process.
import { createHash, randomBytes } from 'node:crypto';
import type { RequestContext } from '../context.js';
import type { Identity } from '../types.js';
import type { Approval, ApprovalMode } from './types.js';
import { promptPreview } from './prompt.js';

const EMPTY = new Uint8Array(0);

/**
 * 128 random bits, base64url: unguessable and safe in a header and a URL path. Never starting with `-`, which a
 * command line reads as an option (`sluice approvals approve -x…` failed for one id in 64).
 */
export function newApprovalId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (id[0] !== '-') return id;
  }
}

export const APPROVAL_ID_RE = /^[A-Za-z0-9_-]{16,64}$/;

export function requestHash(ctx: RequestContext): string {
  return createHash('sha256').update(ctx.maskedRequest ?? EMPTY).digest('hex');
}

/** Same caller, same rule, same masked request: a batch job's retries without the header reuse one ticket. */
export function dedupeKey(identity: Identity, rule: string, hash: string): string {
  return createHash('sha256').update(JSON.stringify([identity.subject, identity.job ?? null, rule, hash])).digest('hex');
}

/**
 * A held request and its retries: same caller, job, session, rule and masked body. An SDK that times out and retries
 * (openai-python: twice) joins the approval already waiting instead of opening one per attempt.
 */
export function holdKey(identity: Identity, rule: string, hash: string, sessionHeader: string | undefined): string {
  // A session Sluice generated (no x-sluice-session) is new on every attempt: only a caller's own session counts.
  const session = sessionHeader === identity.session ? identity.session : null;
  return createHash('sha256').update(JSON.stringify(['hold', identity.subject, identity.job ?? null, session, rule, hash])).digest('hex');
}

export interface NewApproval {
  rule: string;
  mode: ApprovalMode;
  timeoutMs: number;
  now: number;
  promptBytes: number;
  hash: string;
}

export function buildApproval(ctx: RequestContext, n: NewApproval): Approval {
  const id = ctx.identity!;
  return {
    id: newApprovalId(),
    createdAt: n.now,
    expiresAt: n.now + n.timeoutMs,
    requestId: ctx.id,
    identity: { subject: id.subject, groups: [...id.groups], job: id.job ?? null, session: id.session },
    connection: ctx.route?.connection ?? null,
    route: ctx.route?.route ?? null,
    model: ctx.model ?? null,
    prompt: promptPreview(ctx.maskedRequest, n.promptBytes),
    findings: ctx.findingSummary.map((f) => ({ detector: f.detector, type: f.type, action: f.action, count: f.count })),
    rule: n.rule,
    justification: ctx.justification ?? null,
    mode: n.mode,
    status: 'pending',
    reviewer: null,
    comment: null,
    decidedAt: null,
    grantMinutes: null,
    requestHash: n.hash,
    uses: 0,
  };
}

export function sameCaller(a: Approval, identity: Identity): boolean {
  return a.identity.subject === identity.subject && a.identity.job === (identity.job ?? null);
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The reviewer API's view: times as ISO-8601. `withPrompt: false` for lists. */
export function approvalView(a: Approval, withPrompt: boolean): Record<string, unknown> {
  const { prompt, createdAt, expiresAt, decidedAt, ...rest } = a;
  return {
    ...rest,
    createdAt: iso(createdAt),
    expiresAt: iso(expiresAt),
    decidedAt: iso(decidedAt),
    ...(withPrompt ? { prompt } : { promptBytes: prompt.bytes }),
  };
}

/**
 * What leaves Sluice in a notification: who, where, which rule and detectors, the state.
 * No prompt and no justification (caller-written text that was never inspected): reviewers read those
 * through the authenticated API.
 */
export function approvalSummary(a: Approval, publicUrl?: string): Record<string, unknown> {
  return {
    id: a.id,
    status: a.status,
    mode: a.mode,
    rule: a.rule,
    createdAt: iso(a.createdAt),
    expiresAt: iso(a.expiresAt),
    requestId: a.requestId,
    subject: a.identity.subject,
    groups: a.identity.groups,
    job: a.identity.job,
    session: a.identity.session,
    connection: a.connection,
    route: a.route,
    model: a.model,
    findings: a.findings,
    hasJustification: a.justification !== null,
    reviewer: a.reviewer,
    decidedAt: iso(a.decidedAt),
    grantMinutes: a.grantMinutes,
    ...(publicUrl ? { url: `${publicUrl.replace(/\/+$/, '')}/sluice/approvals/${a.id}` } : {}),
  };
}
