// The reviewer API under /sluice/approvals: list, show, approve, deny. JSON in and out; errors as
// {error:{code,message}}. Every call is authenticated and limited to the policy's reviewer groups.
import type { RequestContext } from '../context.js';
import type { AdminJsonResponse } from '../ports.js';
import type { Identity } from '../types.js';
import type { Logger } from '../observe/logger.js';
import { SluiceError, toSluiceError } from '../errors.js';
import type { ApprovalStore } from './store.js';
import type { Lifecycle } from './lifecycle.js';
import { APPROVAL_STATUSES, type ApprovalStatus, type Settlement } from './types.js';
import { approvalView } from './record.js';
import { readDecision } from './decision-body.js';

export type AdminResponse = AdminJsonResponse;

export interface RoutesDeps {
  store: ApprovalStore;
  lifecycle: Lifecycle;
  authenticate: (headers: Record<string, string>, remote: string) => Promise<Identity>;
  reviewerGroups: () => string[];
  maxGrantMinutes: number;
  logger: Logger;
}

const BASE = '/sluice/approvals';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** A refusal of the reviewer API that has no gateway error code (409 Conflict). */
class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export function createReviewerRoutes(deps: RoutesDeps): (ctx: RequestContext, body: Uint8Array) => Promise<AdminResponse | null> {
  const { store, lifecycle } = deps;

  return async function handleApprovals(ctx: RequestContext, body: Uint8Array): Promise<AdminResponse | null> {
    const [path, query] = splitQuery(ctx.path);
    if (path !== BASE && !path.startsWith(`${BASE}/`)) return null;
    try {
      const reviewer = await authorize(ctx);
      const parts = path.slice(BASE.length).split('/').filter((p) => p !== '');
      if (parts.length === 0) return only(ctx, 'GET') ?? (await list(new URLSearchParams(query)));
      if (parts.length === 1) return only(ctx, 'GET') ?? (await show(decodeSegment(parts[0])));
      if (parts.length === 2 && (parts[1] === 'approve' || parts[1] === 'deny')) {
        return only(ctx, 'POST') ?? (await decide(decodeSegment(parts[0]), parts[1], reviewer, body));
      }
      throw new SluiceError('SLUICE_NOT_FOUND', `No such approvals endpoint: ${ctx.method} ${path}`);
    } catch (err) {
      return failure(err);
    }
  };

  async function authorize(ctx: RequestContext): Promise<Identity> {
    const who = await deps.authenticate(ctx.headers, ctx.remoteAddress);
    const allowed = new Set(deps.reviewerGroups());
    if (!who.groups.some((g) => allowed.has(g))) {
      throw new SluiceError('SLUICE_FORBIDDEN', 'Only members of the reviewer groups may use the approvals API');
    }
    return who;
  }

  async function list(q: URLSearchParams): Promise<AdminResponse> {
    const status = q.get('status') ?? 'pending';
    if (status !== 'all' && !APPROVAL_STATUSES.includes(status as ApprovalStatus)) {
      throw new SluiceError('SLUICE_BAD_REQUEST', `status must be one of: all, ${APPROVAL_STATUSES.join(', ')}`);
    }
    const limit = q.has('limit') ? Number(q.get('limit')) : DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new SluiceError('SLUICE_BAD_REQUEST', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    await lifecycle.sweep();
    const found = await store.list({ status: status === 'all' ? undefined : (status as ApprovalStatus), limit });
    return { status: 200, body: { approvals: found.map((a) => approvalView(a, false)) } };
  }

  async function show(id: string): Promise<AdminResponse> {
    const a = await store.get(id);
    if (!a) throw notFound(id);
    return { status: 200, body: { approval: approvalView(await lifecycle.refresh(a), true) } };
  }

  async function decide(id: string, verb: 'approve' | 'deny', reviewer: Identity, body: Uint8Array): Promise<AdminResponse> {
    const input = readDecision(body, verb, deps.maxGrantMinutes);
    const found = await store.get(id);
    if (!found) throw notFound(id);
    if (found.identity.subject === reviewer.subject) throw new SluiceError('SLUICE_FORBIDDEN', 'A requester cannot decide their own approval');
    if (input.grantMinutes !== null && found.identity.job === null) {
      throw new SluiceError('SLUICE_BAD_REQUEST', 'grantMinutes needs a job: this request carries none');
    }
    const a = await lifecycle.refresh(found);
    if (a.status !== 'pending') throw conflict(id, a.status);
    const s: Settlement =
      verb === 'approve'
        ? { status: 'approved', reviewer: reviewer.subject, comment: input.comment, grantMinutes: input.grantMinutes }
        : { status: 'denied', reviewer: reviewer.subject, comment: input.comment };
    const r = await lifecycle.settle(id, s);
    if (!r.changed || !r.approval) throw conflict(id, r.approval?.status ?? 'gone');
    return { status: 200, body: { approval: approvalView(r.approval, true) } };
  }

  function failure(err: unknown): AdminResponse {
    if (err instanceof ApiFailure) return { status: err.status, body: { error: { code: err.code, message: err.message } } };
    const e = toSluiceError(err);
    if (e.code === 'SLUICE_INTERNAL') deps.logger.error({ err: (e.cause as Error | undefined)?.message }, 'approvals API: internal error');
    const headers = Object.entries(e.headers);
    if (e.status === 401) headers.push(['www-authenticate', 'Bearer']);
    return { status: e.status, body: { error: { code: e.code, message: e.message } }, ...(headers.length ? { headers } : {}) };
  }
}

function only(ctx: RequestContext, method: 'GET' | 'POST'): AdminResponse | undefined {
  if (ctx.method === method) return undefined;
  return {
    status: 405,
    body: { error: { code: 'SLUICE_METHOD_NOT_ALLOWED', message: `Use ${method} on this endpoint` } },
    headers: [['allow', method]],
  };
}

/** The gateway passes the path without the query today; accept one if it is there. */
function splitQuery(path: string): [string, string] {
  const i = path.indexOf('?');
  return i < 0 ? [path, ''] : [path.slice(0, i), path.slice(i + 1)];
}

/** A malformed escape is just an id that does not exist, not a server error. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function notFound(id: string): SluiceError {
  return new SluiceError('SLUICE_NOT_FOUND', `No approval ${id.slice(0, 64)}`);
}

function conflict(id: string, status: string): ApiFailure {
  return new ApiFailure(409, 'SLUICE_APPROVAL_CONFLICT', `Approval ${id} is already ${status}`);
}
