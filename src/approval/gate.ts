// The approval step of the request path: standing grant → ticket redemption → hold (wait) or ticket (403 now).
import type { RequestContext } from '../context.js';
import type { Verdict } from '../ports.js';
import type { Identity } from '../types.js';
import { SluiceError } from '../errors.js';
import type { ApprovalStore } from './store.js';
import type { Lifecycle } from './lifecycle.js';
import type { Approval, ApprovalMode } from './types.js';
import type { Timers } from './timers.js';
import { APPROVAL_ID_RE, buildApproval, dedupeKey, holdKey, requestHash, sameCaller } from './record.js';

export const TICKET_HEADER = 'x-sluice-approval';

export interface GateDeps {
  store: ApprovalStore;
  lifecycle: Lifecycle;
  now: () => number;
  timers: Timers;
  defaultTimeoutMs: number;
  /** How long an approved ticket stays redeemable after the decision. */
  redeemMs: number;
  promptBytes: number;
  /** How long a held approval whose client went away waits for a retry to join it before it is cancelled. */
  rejoinMs: number;
}

export interface Gate {
  await(ctx: RequestContext, verdict: Verdict, onCancel: (cb: () => void) => void): Promise<void>;
  /** Ends every hold waiting on this node (shutdown): the approvals are cancelled, the requests fail with `err`. */
  abortHolds(err: SluiceError): Promise<void>;
}

interface Ask {
  ctx: RequestContext;
  identity: Identity;
  rule: string;
  mode: ApprovalMode;
  timeoutMs: number;
  hash: string;
}

export function createGate(deps: GateDeps): Gate {
  const { store, lifecycle, now, timers } = deps;
  const holds = new Set<(err: SluiceError) => Promise<void>>();

  async function awaitApproval(ctx: RequestContext, verdict: Verdict, onCancel: (cb: () => void) => void): Promise<void> {
    if (!ctx.identity) throw new SluiceError('SLUICE_INTERNAL', 'Approval asked for an unauthenticated request');
    const seconds = verdict.approval?.timeoutSeconds;
    const ask: Ask = {
      ctx,
      identity: ctx.identity,
      rule: verdict.approval?.rule ?? verdict.rules[0] ?? 'unnamed',
      mode: verdict.approval?.mode ?? verdict.approvalMode ?? 'hold',
      timeoutMs: seconds !== undefined && seconds > 0 ? seconds * 1000 : deps.defaultTimeoutMs,
      hash: requestHash(ctx),
    };
    if (await viaGrant(ask)) return;
    const ticket = ctx.headers[TICKET_HEADER];
    if (ticket !== undefined) return redeem(ask, ticket.trim());
    return ask.mode === 'ticket' ? issueTicket(ask) : hold(ask, onCancel);
  }

  async function viaGrant({ ctx, identity, rule }: Ask): Promise<boolean> {
    if (!identity.job) return false;
    const g = await store.findGrant(identity.job, rule, now());
    if (!g || g.subject !== identity.subject) return false;
    ctx.approvalId = g.approvalId;
    ctx.approver = `grant:${g.reviewer}`;
    return true;
  }

  async function hold(ask: Ask, onCancel: (cb: () => void) => void): Promise<void> {
    const key = holdKey(ask.identity, ask.rule, ask.hash, ask.ctx.headers['x-sluice-session']);
    const prior = await store.findByKey(key);
    const current = prior && (await lifecycle.refresh(prior));
    let id: string;
    let timeoutMs = ask.timeoutMs;
    if (current?.status === 'pending') {
      // A retry of a request already held (the SDK gave up waiting and tried again): wait on the same approval.
      id = current.id;
      timeoutMs = Math.max(0, current.expiresAt - now());
    } else if (current?.status === 'approved' && current.uses === 0 && redeemable(current)) {
      // Approved while its caller was away between attempts: this retry is the one it was for.
      await store.recordUse(current.id);
      return conclude(ask.ctx, current);
    } else {
      const a = buildApproval(ask.ctx, { ...ask, now: now(), promptBytes: deps.promptBytes });
      await lifecycle.open(a, key);
      id = a.id;
    }
    ask.ctx.approvalId = id;
    const a = await waitFor(id, timeoutMs, onCancel);
    if (a.status === 'approved') await store.recordUse(id);
    conclude(ask.ctx, a);
  }

  /** Held requests on this node per approval, and the cancellation pending while none waits. */
  const waiting = new Map<string, { n: number; cancel?: unknown }>();

  function join(id: string): void {
    const w = waiting.get(id) ?? { n: 0 };
    if (w.cancel !== undefined) timers.clearTimeout(w.cancel);
    w.cancel = undefined;
    w.n++;
    waiting.set(id, w);
  }

  /** The last waiter left: cancel the approval unless a retry joins within `rejoinMs`. */
  function leave(id: string, clientGone: boolean): void {
    const w = waiting.get(id);
    if (!w) return;
    if (--w.n > 0) return;
    if (!clientGone) return void waiting.delete(id);
    const cancel = () => {
      waiting.delete(id);
      void lifecycle.settle(id, { status: 'cancelled' }).catch(() => undefined);
    };
    if (deps.rejoinMs <= 0) return cancel();
    w.cancel = timers.setTimeout(() => {
      if (waiting.get(id)?.n === 0) cancel();
    }, deps.rejoinMs);
  }

  function waitFor(id: string, timeoutMs: number, onCancel: (cb: () => void) => void): Promise<Approval> {
    join(id);
    return new Promise<Approval>((resolve, reject) => {
      let done = false;
      const stop = (clientGone = false) => {
        done = true;
        timers.clearTimeout(timer);
        unwatch();
        holds.delete(hold);
        leave(id, clientGone);
      };
      const finish = (a: Approval | undefined) => {
        if (done || !a || a.status === 'pending') return;
        stop();
        resolve(a);
      };
      const fail = (err: unknown) => {
        if (done) return;
        stop();
        reject(err);
      };
      // Expiring our own hold: settle, then follow whatever the approval became (a reviewer may have won the race).
      const expire = () => lifecycle.settle(id, { status: 'expired' }).then((r) => (r.approval ? finish(r.approval) : fail(gone(id))), fail);
      const unwatch = store.watch(id, finish);
      const timer = timers.setTimeout(() => void expire(), timeoutMs);
      const hold = async (err: SluiceError) => {
        fail(err);
        await lifecycle.settle(id, { status: 'cancelled' });
      };
      holds.add(hold);
      onCancel(() => {
        if (done) return;
        // This client is gone; the approval stays open a little for its retry (see leave()).
        stop(true);
        reject(new SluiceError('SLUICE_CLIENT_ABORTED', `Client went away while approval ${id} was pending`, { details: { approval_id: id } }));
      });
      // A decision that landed before the watch was registered.
      store.get(id).then(finish, fail);
    });
  }

  async function issueTicket(ask: Ask): Promise<never> {
    const key = dedupeKey(ask.identity, ask.rule, ask.hash);
    const prior = await store.findByKey(key);
    const current = prior && (await lifecycle.refresh(prior));
    if (current?.status === 'pending') {
      ask.ctx.approvalId = current.id;
      throw required(current.id, `Approval required by policy rule ${ask.rule}: retry with header ${TICKET_HEADER}: ${current.id} once a reviewer approves`);
    }
    if (current?.status === 'approved' && redeemable(current)) {
      ask.ctx.approvalId = current.id;
      throw required(current.id, `Approval ${current.id} was granted: retry with header ${TICKET_HEADER}: ${current.id}`);
    }
    const a = buildApproval(ask.ctx, { ...ask, now: now(), promptBytes: deps.promptBytes });
    await lifecycle.open(a, key);
    ask.ctx.approvalId = a.id;
    throw required(a.id, `Approval required by policy rule ${ask.rule}: retry with header ${TICKET_HEADER}: ${a.id} once a reviewer approves`);
  }

  async function redeem(ask: Ask, id: string): Promise<void> {
    const found = APPROVAL_ID_RE.test(id) ? await store.get(id) : undefined;
    if (!found) throw forbidden(`Unknown or expired approval id in ${TICKET_HEADER}; retry without the header to request a new approval`);
    // Caller first: a different caller learns nothing about someone else's approval beyond "not yours".
    if (!sameCaller(found, ask.identity)) throw forbidden(`Approval ${id} belongs to a different caller`);
    if (found.rule !== ask.rule) throw forbidden(`Approval ${id} was granted for a different policy rule`);
    if (found.requestHash !== ask.hash) throw forbidden(`Approval ${id} was granted for a different request body`);
    ask.ctx.approvalId = id;
    const a = await lifecycle.refresh(found);
    if (a.status === 'pending') throw required(id, `Approval ${id} is still pending`);
    if (a.status === 'approved' && !redeemable(a)) {
      throw new SluiceError('SLUICE_APPROVAL_TIMEOUT', `Approval ${id} is no longer valid; retry without the header to request a new approval`, { details: { approval_id: id } });
    }
    if (a.status === 'approved') await store.recordUse(id);
    conclude(ask.ctx, a);
  }

  function redeemable(a: Approval): boolean {
    return (a.decidedAt ?? 0) + deps.redeemMs > now();
  }

  return {
    await: awaitApproval,
    async abortHolds(err) {
      await Promise.allSettled([...holds].map((abort) => abort(err)));
      // Approvals whose clients left and were waiting for a retry: nobody will retry on this node now.
      const orphans = [...waiting].filter(([, w]) => w.n === 0);
      for (const [, w] of orphans) timers.clearTimeout(w.cancel);
      waiting.clear();
      await Promise.allSettled(orphans.map(([id]) => lifecycle.settle(id, { status: 'cancelled' })));
    },
  };
}

/** Approved: mark the context; anything else: the matching refusal. */
function conclude(ctx: RequestContext, a: Approval): void {
  const details = { approval_id: a.id };
  switch (a.status) {
    case 'approved':
      ctx.approvalId = a.id;
      ctx.approver = a.reviewer ?? undefined;
      return;
    case 'denied':
      throw new SluiceError('SLUICE_APPROVAL_DENIED', `Request denied by a reviewer (approval ${a.id})`, { details });
    case 'expired':
      throw new SluiceError('SLUICE_APPROVAL_TIMEOUT', `No reviewer decided in time (approval ${a.id})`, { details });
    case 'cancelled':
      throw new SluiceError('SLUICE_APPROVAL_DENIED', `Approval ${a.id} was cancelled`, { details });
    case 'pending':
      throw required(a.id, `Approval ${a.id} is still pending`);
  }
}

function required(id: string, message: string): SluiceError {
  return new SluiceError('SLUICE_APPROVAL_REQUIRED', message, { details: { approval_id: id }, headers: { [TICKET_HEADER]: id } });
}

function forbidden(message: string): SluiceError {
  return new SluiceError('SLUICE_FORBIDDEN', message);
}

function gone(id: string): SluiceError {
  return new SluiceError('SLUICE_APPROVAL_TIMEOUT', `Approval ${id} is no longer known`, { details: { approval_id: id } });
}
