// Pending approvals: the live queue (a fragment the script polls every 2 s), one approval in full, and the
// approve/deny forms. Every caller-written value (prompt, justification, subject, job, session) goes through html``.
import type { Approval } from '../../approval/types.js';
import { html, seg, type Html } from '../html.js';
import { BASE, type View } from '../layout.js';

export const QUEUE_PATH = `${BASE}/approvals`;

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const iso = (ms: number) => new Date(ms).toISOString();
const dash = (v: string | null | undefined): string => (v === null || v === undefined || v === '' ? '—' : v);

function findings(a: Approval): Html {
  if (a.findings.length === 0) return html`none`;
  return html`${a.findings.map((f) => html`<span class="chip">${f.type}×${f.count}${f.action === 'approve' || f.action === 'report' ? '' : html` (${f.action})`}</span>`)}`;
}

function params(a: Approval): Html {
  const p = a.prompt.params;
  if (!p || Object.keys(p).length === 0) return html`—`;
  return html`${Object.entries(p).map(([k, v]) => html`<span class="chip">${k}=${String(v)}</span>`)}`;
}

function actions(v: View, a: Approval): Html {
  if (a.status !== 'pending') {
    return html`<p class="result ${a.status === 'approved' ? 'ok' : 'bad'}">${a.status}${a.reviewer ? ` by ${a.reviewer}` : ''}${a.decidedAt ? ` at ${iso(a.decidedAt)}` : ''}${a.comment ? html`: “${a.comment}”` : ''}</p>`;
  }
  const own = a.identity.subject === v.user.subject;
  const off = own ? html` disabled` : html``;
  const url = `${QUEUE_PATH}/${seg(a.id)}`;
  return html`${own ? html`<p class="own">Your own request: another reviewer must decide it.</p>` : ''}
<div class="actions">
<form class="decide" data-verb="approve" method="post" action="${url}/approve"><input type="hidden" name="_csrf" value="${v.csrf}">
<div class="field"><label for="ac-${a.id}">Comment (optional)</label><input type="text" id="ac-${a.id}" name="comment" maxlength="2000"${off}></div>
${a.identity.job ? html`<div class="field"><label for="gm-${a.id}">Grant (minutes)</label><input type="text" inputmode="numeric" pattern="[0-9]*" size="4" id="gm-${a.id}" name="grantMinutes"${off}></div>` : ''}
<button class="approve" type="submit"${off}>Approve</button></form>
<form class="decide" data-verb="deny" method="post" action="${url}/deny"><input type="hidden" name="_csrf" value="${v.csrf}">
<div class="field"><label for="dc-${a.id}">Reason for denying (required)</label><textarea id="dc-${a.id}" name="comment" required maxlength="2000" rows="2"${off}></textarea></div>
<button class="deny" type="submit"${off}>Deny</button></form>
</div>
<p class="result" role="status" aria-live="polite"></p>`;
}

export function approvalCard(v: View, a: Approval, full = false): Html {
  const id = a.identity;
  const prompt = a.prompt.text === '' ? html`<p class="muted">(no prompt text)</p>` : html`<pre>${a.prompt.text}</pre>`;
  return html`<article class="card${a.identity.subject === v.user.subject ? ' own' : ''}" data-id="${a.id}" tabindex="0" aria-labelledby="t-${a.id}">
<h2 id="t-${a.id}">${full ? html`${a.rule}` : html`<a class="open" href="${QUEUE_PATH}/${seg(a.id)}">${a.rule}</a>`} · ${id.subject}${id.job ? html` · job ${id.job}` : ''}</h2>
<dl class="facts">
<dt>Who</dt><dd>${id.subject}${id.groups.length ? html` <span class="muted">(${id.groups.join(', ')})</span>` : ''}</dd>
<dt>Job</dt><dd>${dash(id.job)}</dd>
<dt>Session</dt><dd><a href="${BASE}/sessions/${seg(id.session)}">${id.session}</a></dd>
<dt>Rule</dt><dd>${a.rule} <span class="muted">(${a.mode})</span></dd>
<dt>Justification</dt><dd>${dash(a.justification)}</dd>
<dt>Findings</dt><dd>${findings(a)}</dd>
<dt>Model</dt><dd>${dash(a.model)} <span class="muted">${[a.connection, a.route].filter(Boolean).join(' · ')}</span></dd>
<dt>Parameters</dt><dd>${params(a)}</dd>
<dt>Age</dt><dd><span data-since="${iso(a.createdAt)}">${duration(v.now - a.createdAt)}</span></dd>
<dt>Time left</dt><dd>${a.status === 'pending' ? html`<span data-until="${iso(a.expiresAt)}">${a.expiresAt > v.now ? duration(a.expiresAt - v.now) : 'expired'}</span>` : a.status}</dd>
${full ? html`<dt>Request</dt><dd>${a.requestId} <span class="muted">· approval ${a.id}</span></dd>` : ''}
</dl>
<h3>Masked prompt${a.prompt.truncated ? html` <span class="muted">(first part of ${a.prompt.bytes} bytes)</span>` : ''}</h3>
${prompt}
${actions(v, a)}
</article>`;
}

/** The region the script polls and reconciles card by card (keyed by approval id). */
export function queue(v: View, list: readonly Approval[]): Html {
  return html`<div id="queue" data-poll="${QUEUE_PATH}?fragment=1">
<p class="empty muted"${list.length ? html` hidden` : ''}>Nothing is waiting for a decision.</p>
${list.map((a) => approvalCard(v, a))}
</div>`;
}

export function queueDocument(v: View, list: readonly Approval[]): Html {
  return html`<!doctype html><html lang="en"><body>${queue(v, list)}</body></html>`;
}

export function queueMain(v: View, list: readonly Approval[], flash?: Html): Html {
  return html`<h1>Pending approvals</h1>
${flash ?? ''}
<p class="hint"><span id="live" role="status">Updates every 2 seconds.</span> Press <kbd>?</kbd> for keyboard shortcuts.</p>
${queue(v, list)}`;
}

export function flashFor(done: string | null): Html | undefined {
  const m = /^(approved|denied|conflict|refused):([A-Za-z0-9_-]{1,64})$/.exec(done ?? '');
  if (!m) return undefined;
  const text = { approved: 'Approved', denied: 'Denied', conflict: 'Not applied: someone else decided first, or it expired —', refused: 'Refused:' }[m[1]];
  return html`<p class="flash${m[1] === 'approved' || m[1] === 'denied' ? '' : ' bad'}" role="status">${text} <a href="${QUEUE_PATH}/${seg(m[2])}">${m[2]}</a></p>`;
}
