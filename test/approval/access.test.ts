// Who sees and decides what: operators everything, a rule's own reviewers its approvals, policy-wide reviewers the
// rest, everyone else nothing. One function serves the reviewer API and the console.
import { describe, expect, it } from 'vitest';
import { reviewerAccess } from '../../src/approval/access.js';
import { policyFrom } from '../policy/helpers.js';

const policy = policyFrom(`
version: 1
reviewers: { groups: [reviewers], operators: [secops] }
rules:
  - id: agents
    match: { groups: [agents] }
    approve: { keywords: [export] }
  - id: payments
    match: { groups: [payments] }
    reviewers: { groups: [pay-leads] }
    approve: { keywords: [refund] }
`);

describe('reviewerAccess', () => {
  it.each([
    // groups, operator, reviewer, any, agents, payments, a rule a reload removed
    [['secops'], true, false, true, true, true, true],
    [['reviewers'], false, true, true, true, false, true],
    [['pay-leads'], false, false, true, false, true, false],
    [['reviewers', 'pay-leads'], false, true, true, true, true, true],
    [['analysts'], false, false, false, false, false, false],
    [[], false, false, false, false, false, false],
  ])('groups %j', (groups, operator, reviewer, any, agents, payments, gone) => {
    const a = reviewerAccess(policy, groups);
    expect({ operator: a.operator, reviewer: a.reviewer, any: a.any }).toEqual({ operator, reviewer, any });
    expect([a.canReview('agents'), a.canReview('payments'), a.canReview('removed-rule')]).toEqual([agents, payments, gone]);
  });

  it('reads the policy as given (a reload changes the answer)', () => {
    expect(reviewerAccess({ reviewerGroups: ['reviewers'] }, ['reviewers']).canReview('x')).toBe(true);
    expect(reviewerAccess({ reviewerGroups: ['security'] }, ['reviewers']).any).toBe(false);
  });

  it('loads rule reviewers and operators from policy files, merged across files', () => {
    const merged = policyFrom('version: 1\nreviewers: { operators: [ops-a] }\n', 'version: 1\nreviewers: { groups: [r], operators: [ops-b] }\n');
    expect(merged.operatorGroups).toEqual(['ops-a', 'ops-b']);
    expect(merged.reviewerGroups).toEqual(['r']);
    expect(policy.rules.find((r) => r.id === 'payments')?.reviewers).toEqual(['pay-leads']);
    expect(policy.rules.find((r) => r.id === 'agents')?.reviewers).toBeUndefined();
  });
});
