// Who may see and decide what, for the reviewer API and the console alike (one function, so they cannot drift):
// operators see everything; a rule's approvals go to its own reviewer groups, or to the policy-wide ones when it
// names none; nobody decides their own request (checked where decisions are made); everyone else sees nothing.

/** The parts of a policy that say who reviews. Read on every call, so a policy reload applies at once. */
export interface ReviewerPolicy {
  reviewerGroups: readonly string[];
  operatorGroups?: readonly string[];
  rules?: ReadonlyArray<{ id: string; reviewers?: readonly string[] }>;
}

export interface ReviewerAccess {
  /** In `reviewers.operators`: every approval, the whole audit trail, shadow findings, policies. */
  readonly operator: boolean;
  /** In the policy-wide `reviewers.groups`. */
  readonly reviewer: boolean;
  /** Reviews at least one rule (or is an operator): has something to see. */
  readonly any: boolean;
  /** May see and decide approvals raised by `rule`. */
  canReview(rule: string): boolean;
}

export function reviewerAccess(policy: ReviewerPolicy, groups: readonly string[]): ReviewerAccess {
  const mine = new Set(groups);
  const member = (list: readonly string[] | undefined) => (list ?? []).some((g) => mine.has(g));
  const operator = member(policy.operatorGroups);
  const reviewer = member(policy.reviewerGroups);
  const own = new Map((policy.rules ?? []).filter((r) => r.reviewers !== undefined).map((r) => [r.id, member(r.reviewers)]));
  const any = operator || reviewer || [...own.values()].some(Boolean);
  return {
    operator,
    reviewer,
    any,
    // A rule that names no reviewers, or that a reload removed, falls back to the policy-wide reviewers.
    canReview: (rule) => operator || (own.get(rule) ?? reviewer),
  };
}
