import { describe, expect, it } from 'vitest';
import { newApprovalId, APPROVAL_ID_RE } from '../../src/approval/record.js';

describe('newApprovalId', () => {
  it('never starts with "-" (a command line would take it for an option)', () => {
    const ids = Array.from({ length: 3000 }, newApprovalId);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(ids.every((id) => APPROVAL_ID_RE.test(id) && id.length === 22)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
