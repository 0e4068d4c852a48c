import { describe, expect, it } from 'vitest';
import { createMemoryApprovalStore } from '../../src/approval/store.js';
import type { Approval } from '../../src/approval/types.js';
import { approvalRecord } from './helpers.js';
import { SluiceError } from '../../src/errors.js';

const approval = approvalRecord;

const approve = { status: 'approved' as const, reviewer: 'rita', comment: 'ok', grantMinutes: null };

describe('memory approval store', () => {
  it('settles compare-and-set: the first decision wins, the second sees changed=false', async () => {
    const s = createMemoryApprovalStore();
    const a = approval();
    await s.create(a);
    const first = await s.settle(a.id, approve, 5000);
    expect(first).toMatchObject({ changed: true, approval: { status: 'approved', reviewer: 'rita', comment: 'ok', decidedAt: 5000 } });
    const second = await s.settle(a.id, { status: 'denied', reviewer: 'rob', comment: 'no' }, 6000);
    expect(second).toMatchObject({ changed: false, approval: { status: 'approved', reviewer: 'rita' } });
    expect(await s.settle('missing', { status: 'expired' }, 1)).toEqual({ changed: false, approval: undefined });
  });

  it('hands out copies: mutating a returned record does not change the store', async () => {
    const s = createMemoryApprovalStore();
    const a = approval();
    await s.create(a);
    a.status = 'approved';
    const got = (await s.get(a.id))!;
    got.identity.subject = 'mallory';
    expect(await s.get(a.id)).toMatchObject({ status: 'pending', identity: { subject: 'agent-7' } });
  });

  it('notifies watchers once when an approval leaves pending', async () => {
    const s = createMemoryApprovalStore();
    const a = approval();
    await s.create(a);
    const seen: string[] = [];
    const unwatchOther = s.watch(a.id, () => seen.push('removed'));
    s.watch(a.id, (x) => seen.push(x.status));
    unwatchOther();
    await s.settle(a.id, { status: 'cancelled' }, 2000);
    await s.settle(a.id, approve, 3000);
    expect(seen).toEqual(['cancelled']);
  });

  it('sweep expires overdue pending approvals and drops settled ones past retention', async () => {
    const s = createMemoryApprovalStore({ retainMs: 10_000 });
    const overdue = approval({ expiresAt: 2000 });
    const fresh = approval({ expiresAt: 100_000 });
    const old = approval();
    for (const a of [overdue, fresh, old]) await s.create(a);
    await s.settle(old.id, approve, 1000);
    const expired = await s.sweep(11_000);
    expect(expired.map((a) => [a.id, a.status])).toEqual([[overdue.id, 'expired']]);
    expect(await s.get(old.id)).toBeUndefined();
    expect((await s.get(fresh.id))?.status).toBe('pending');
    expect((await s.get(overdue.id))?.status).toBe('expired');
  });

  it('is bounded: the oldest settled approval makes room; a store full of pending refuses with 503', async () => {
    const s = createMemoryApprovalStore({ maxRecords: 2 });
    const [a, b, c, d] = [approval(), approval(), approval(), approval()];
    await s.create(a);
    await s.create(b);
    await s.settle(a.id, approve, 2000);
    await s.create(c);
    expect(await s.get(a.id)).toBeUndefined();
    const err = await s.create(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe('SLUICE_OVERLOADED');
    expect((await s.list()).map((x) => x.id)).toEqual([b.id, c.id]);
  });

  it('lists oldest first with status filter and limit', async () => {
    const s = createMemoryApprovalStore();
    const [a, b, c] = [approval(), approval(), approval()];
    for (const x of [a, b, c]) await s.create(x);
    await s.settle(b.id, { status: 'expired' }, 9);
    expect((await s.list({ status: 'pending' })).map((x) => x.id)).toEqual([a.id, c.id]);
    expect((await s.list({ limit: 2 })).map((x) => x.id)).toEqual([a.id, b.id]);
  });

  it('finds the latest approval by dedupe key and forgets it with the record', async () => {
    const s = createMemoryApprovalStore({ retainMs: 1 });
    const a = approval();
    const b = approval();
    await s.create(a, 'k');
    await s.create(b, 'k');
    expect((await s.findByKey('k'))?.id).toBe(b.id);
    await s.settle(b.id, { status: 'expired' }, 1);
    await s.sweep(10);
    expect(await s.findByKey('k')).toBeUndefined();
  });

  it('keeps grants per job + rule until they end, and bounds them', async () => {
    const s = createMemoryApprovalStore({ maxGrants: 2 });
    await s.addGrant({ subject: 's', job: 'j1', rule: 'r', reviewer: 'rita', approvalId: 'a1', until: 5000 });
    await s.addGrant({ subject: 's', job: 'j1', rule: 'r', reviewer: 'rob', approvalId: 'a0', until: 3000 });
    expect(await s.findGrant('j1', 'r', 4000)).toMatchObject({ reviewer: 'rita', until: 5000 });
    expect(await s.findGrant('j1', 'other', 4000)).toBeUndefined();
    expect(await s.findGrant('j2', 'r', 4000)).toBeUndefined();
    expect(await s.findGrant('j1', 'r', 5000)).toBeUndefined();

    await s.addGrant({ subject: 's', job: 'a', rule: 'r', reviewer: 'x', approvalId: '1', until: 9000 });
    await s.addGrant({ subject: 's', job: 'b', rule: 'r', reviewer: 'x', approvalId: '2', until: 7000 });
    await s.addGrant({ subject: 's', job: 'c', rule: 'r', reviewer: 'x', approvalId: '3', until: 8000 });
    expect(await s.findGrant('b', 'r', 0)).toBeUndefined();
    expect(await s.findGrant('a', 'r', 0)).toBeDefined();
    expect(await s.findGrant('c', 'r', 0)).toBeDefined();
  });
});
