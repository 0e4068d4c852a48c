// What a reviewer may do with approvals, for the JSON reviewer API and the console alike: the same access check,
// the same self-approval refusal, the same compare-and-set decision through the lifecycle (which audits it).
import { SluiceError } from '../errors.js';
import type { Identity } from '../types.js';
import { reviewerAccess, type ReviewerAccess, type ReviewerPolicy } from './access.js';
import type { DecisionInput } from './decision-body.js';
import type { Lifecycle } from './lifecycle.js';
import type { ApprovalStore } from './store.js';
import type { Approval, ApprovalStatus, Settlement } from './types.js';

export interface ReviewDeps {
  store: ApprovalStore;
  lifecycle: Lifecycle;
  reviewerPolicy: () => ReviewerPolicy;
}

export interface Review {
  /** The caller's access under the current policy; throws SLUICE_FORBIDDEN when they review nothing. */
  access(who: Identity): ReviewerAccess;
  /** Oldest first, only approvals the caller may see. */
  list(access: ReviewerAccess, status: ApprovalStatus | undefined, limit: number): Promise<Approval[]>;
  /** As it is now (expired first if overdue); SLUICE_NOT_FOUND when unknown or not the caller's to see. */
  get(access: ReviewerAccess, id: string): Promise<Approval>;
  /** Throws SLUICE_FORBIDDEN for one's own request, ReviewConflict when it is no longer pending. */
  decide(who: Identity, access: ReviewerAccess, id: string, verb: 'approve' | 'deny', input: DecisionInput): Promise<Approval>;
}

/** Someone else decided first (or it expired): 409, with the approval as it now is. */
export class ReviewConflict extends Error {
  readonly status = 409;
  readonly code = 'SLUICE_APPROVAL_CONFLICT';
  constructor(readonly id: string, readonly approval: Approval | undefined) {
    super(`Approval ${id} is already ${approval?.status ?? 'gone'}`);
  }
}

export function createReview(deps: ReviewDeps): Review {
  const { store, lifecycle } = deps;

  function access(who: Identity): ReviewerAccess {
    const a = reviewerAccess(deps.reviewerPolicy(), who.groups);
    if (!a.any) throw new SluiceError('SLUICE_FORBIDDEN', 'Only members of the reviewer groups may use the approvals API');
    return a;
  }

  async function list(a: ReviewerAccess, status: ApprovalStatus | undefined, limit: number): Promise<Approval[]> {
    await lifecycle.sweep();
    // Filter before the limit, so approvals the caller cannot see do not crowd out those they can.
    const found = await store.list(a.operator ? { status, limit } : { status });
    const visible = a.operator ? found : found.filter((x) => a.canReview(x.rule));
    return visible.slice(0, limit);
  }

  async function get(a: ReviewerAccess, id: string): Promise<Approval> {
    const found = await store.get(id);
    // Not the caller's to see reads exactly like unknown: no hint that the id exists.
    if (!found || !a.canReview(found.rule)) throw notFound(id);
    return lifecycle.refresh(found);
  }

  async function decide(who: Identity, a: ReviewerAccess, id: string, verb: 'approve' | 'deny', input: DecisionInput): Promise<Approval> {
    const found = await get(a, id);
    if (found.identity.subject === who.subject) throw new SluiceError('SLUICE_FORBIDDEN', 'A requester cannot decide their own approval');
    if (input.grantMinutes !== null && found.identity.job === null) {
      throw new SluiceError('SLUICE_BAD_REQUEST', 'grantMinutes needs a job: this request carries none');
    }
    if (found.status !== 'pending') throw new ReviewConflict(id, found);
    const s: Settlement =
      verb === 'approve'
        ? { status: 'approved', reviewer: who.subject, comment: input.comment, grantMinutes: input.grantMinutes }
        : { status: 'denied', reviewer: who.subject, comment: input.comment };
    const r = await lifecycle.settle(id, s);
    if (!r.changed || !r.approval) throw new ReviewConflict(id, r.approval);
    return r.approval;
  }

  return { access, list, get, decide };
}

function notFound(id: string): SluiceError {
  return new SluiceError('SLUICE_NOT_FOUND', `No approval ${id.slice(0, 64)}`);
}
