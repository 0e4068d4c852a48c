// The reviewer API under /sluice/approvals: list, show, approve, deny. JSON in and out; errors as
// {error:{code,message}}. Every call is authenticated; what a caller sees and decides is src/approval/access.ts.
import type { RequestContext } from '../context.js';
import type { AdminJsonResponse } from '../ports.js';
import type { Identity } from '../types.js';
import type { Logger } from '../observe/logger.js';
import { SluiceError, toSluiceError } from '../errors.js';
import type { ReviewerAccess } from './access.js';
import { ReviewConflict, type Review } from './review.js';
import { APPROVAL_STATUSES, type Approval, type ApprovalStatus } from './types.js';
import { approvalView } from './record.js';
import { readDecision } from './decision-body.js';

export type AdminResponse = AdminJsonResponse;

export interface RoutesDeps {
  review: Review;
  authenticate: (headers: Record<string, string>, remote: string) => Promise<Identity>;
  maxGrantMinutes: number;
  logger: Logger;
}

const BASE = '/sluice/approvals';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export function createReviewerRoutes(deps: RoutesDeps): (ctx: RequestContext, body: Uint8Array) => Promise<AdminResponse | null> {
  const { review } = deps;

  return async function handleApprovals(ctx: RequestContext, body: Uint8Array): Promise<AdminResponse | null> {
    const [path, query] = splitQuery(ctx.path);
    if (path !== BASE && !path.startsWith(`${BASE}/`)) return null;
    try {
      const who = await deps.authenticate(ctx.headers, ctx.remoteAddress);
      const access = review.access(who);
      const parts = path.slice(BASE.length).split('/').filter((p) => p !== '');
      if (parts.length === 0) return only(ctx, 'GET') ?? (await list(access, new URLSearchParams(query)));
      if (parts.length === 1) return only(ctx, 'GET') ?? view(await review.get(access, decodeSegment(parts[0])));
      if (parts.length === 2 && (parts[1] === 'approve' || parts[1] === 'deny')) {
        const verb = parts[1];
        return only(ctx, 'POST') ?? view(await review.decide(who, access, decodeSegment(parts[0]), verb, readDecision(body, verb, deps.maxGrantMinutes)));
      }
      throw new SluiceError('SLUICE_NOT_FOUND', `No such approvals endpoint: ${ctx.method} ${path}`);
    } catch (err) {
      return failure(err);
    }
  };

  async function list(access: ReviewerAccess, q: URLSearchParams): Promise<AdminResponse> {
    const status = q.get('status') ?? 'pending';
    if (status !== 'all' && !APPROVAL_STATUSES.includes(status as ApprovalStatus)) {
      throw new SluiceError('SLUICE_BAD_REQUEST', `status must be one of: all, ${APPROVAL_STATUSES.join(', ')}`);
    }
    const limit = q.has('limit') ? Number(q.get('limit')) : DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new SluiceError('SLUICE_BAD_REQUEST', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    const found = await review.list(access, status === 'all' ? undefined : (status as ApprovalStatus), limit);
    return { status: 200, body: { approvals: found.map((a) => approvalView(a, false)) } };
  }

  function view(a: Approval): AdminResponse {
    return { status: 200, body: { approval: approvalView(a, true) } };
  }

  function failure(err: unknown): AdminResponse {
    if (err instanceof ReviewConflict) return { status: err.status, body: { error: { code: err.code, message: err.message } } };
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
