// Sessions and the audit trail: search by subject, job, session, decision, detector, kind and time; a session's
// turns as `sluice audit replay` shows them (same reader, same text extraction), laid out as HTML.
import { findingsLabel, type SearchFilter } from '../../audit/search.js';
import type { Turn } from '../../audit/replay.js';
import { html, seg, type Html } from '../html.js';
import { BASE } from '../layout.js';
import type { SourceNote, SourcedRecord } from '../source.js';

/** A turn of a replay and, read from the store, the instance that recorded it. */
export type SourcedTurn = Turn & { instance?: string };

export interface SearchResults {
  records: SourcedRecord[];
  matched: number;
  scoped: boolean;
  error?: string;
  source?: SourceNote;
}

const DECISIONS = ['allowed', 'masked', 'held', 'approved', 'denied', 'blocked', 'failed'];
const KINDS = ['exchange', 'approval', 'auth_failure', 'shadow', 'console'];

export interface SearchForm {
  subject: string;
  job: string;
  session: string;
  decision: string;
  detector: string;
  kind: string;
  since: string;
  until: string;
}

export const FORM_FIELDS = ['subject', 'job', 'session', 'decision', 'detector', 'kind', 'since', 'until'] as const;

function text(name: keyof SearchForm, label: string, f: SearchForm, hint = ''): Html {
  return html`<div class="field"><label for="f-${name}">${label}</label><input type="text" id="f-${name}" name="${name}" value="${f[name]}" maxlength="200"${hint ? html` placeholder="${hint}"` : ''}></div>`;
}

function select(name: keyof SearchForm, label: string, f: SearchForm, options: string[]): Html {
  return html`<div class="field"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${options.map(
    (o) => html`<option${o === f[name] ? html` selected` : ''}>${o}</option>`,
  )}</select></div>`;
}

export function searchMain(f: SearchForm, results: SearchResults | undefined): Html {
  const form = html`<form method="get" action="${BASE}/audit" role="search" aria-label="Audit search"><div class="grid">
${text('subject', 'Subject', f)}${text('job', 'Job', f)}${text('session', 'Session', f)}
${select('decision', 'Decision', f, DECISIONS)}${text('detector', 'Detector', f, 'e.g. card')}${select('kind', 'Kind', f, KINDS)}
${text('since', 'Since', f, '2h, 7d or ISO time')}${text('until', 'Until', f, 'ISO time')}
<div class="field"><button type="submit">Search</button></div></div></form>`;
  return html`<h1>Sessions &amp; audit trail</h1>${form}${results ? resultsTable(results) : html`<p class="hint">Search the audit trail, or open a session from an approval to replay it.</p>`}`;
}

/**
 * Which trail a view was read from. A fallback from the store to the files is an alert, never a quiet footnote:
 * what other instances recorded is missing from it.
 */
export function sourceLine(s: SourceNote | undefined): Html {
  if (!s) return html``;
  if (s.kind === 'store') return html`<p class="hint" data-source="store">Source: the audit store (PostgreSQL): every instance's records.</p>`;
  if (s.storeError === undefined) return html`<p class="hint" data-source="files">Source: this instance's audit files.</p>`;
  return html`<p class="flash bad" role="alert" data-source="files">The audit store (PostgreSQL) is unreachable (${s.storeError}). Shown from this instance's audit files only (instance ${s.instance ?? '?'}): records of other instances are missing.</p>`;
}

function resultsTable(r: SearchResults): Html {
  if (r.error) return html`<p class="flash bad" role="alert">${r.error}</p>`;
  const byInstance = r.source?.kind === 'store';
  const note = html`${sourceLine(r.source)}<p class="hint" role="status">${r.matched} record(s) matched${r.matched > r.records.length ? html`; the newest ${r.records.length} are shown` : ''}${r.scoped ? html` · limited to sessions with approvals you review` : ''}.</p>`;
  if (r.records.length === 0) return note;
  return html`${note}<div class="scroll"><table><caption class="muted">Newest first</caption>
<thead><tr><th scope="col">Time</th>${byInstance ? html`<th scope="col">Instance</th>` : ''}<th scope="col">Seq</th><th scope="col">Kind</th><th scope="col">Subject</th><th scope="col">Job</th><th scope="col">Session</th><th scope="col">Model</th><th scope="col">Decision</th><th scope="col">Status</th><th scope="col">Findings</th><th scope="col">Approver</th></tr></thead>
<tbody>${r.records.map((x) => row(x, byInstance))}</tbody></table></div>`;
}

function row(r: SourcedRecord, byInstance: boolean): Html {
  const id = r.identity;
  return html`<tr><td>${r.time}</td>${byInstance ? html`<td>${r.instance ?? '—'}</td>` : ''}<td>${r.seq}</td><td>${r.kind}${r.kind === 'console' && r.detail ? html` <span class="muted">${String(r.detail.event ?? '')}</span>` : ''}</td><td>${id?.subject ?? '—'}</td><td>${id?.job ?? '—'}</td>
<td>${id ? html`<a href="${BASE}/sessions/${seg(id.session)}">${id.session}</a>` : '—'}</td><td>${r.model ?? '—'}</td>
<td class="${r.decision === 'denied' || r.decision === 'blocked' || r.decision === 'failed' ? 'bad' : ''}">${r.decision ?? '—'}</td><td>${r.status ?? '—'}</td><td>${findingsLabel(r)}</td><td>${r.approver ?? '—'}</td></tr>`;
}

export function replayMain(session: string, turns: SourcedTurn[], scopedOut: boolean, source?: SourceNote): Html {
  const head = html`<h1>Session <span class="muted">${session}</span></h1>${sourceLine(source)}<p><a href="${BASE}/audit?session=${encodeURIComponent(session)}">Search this session's records</a></p>`;
  if (scopedOut || turns.length === 0) return html`${head}<p>No records for this session${scopedOut ? ' that you may see' : ''}.</p>`;
  return html`${head}${turns.map(turn)}`;
}

function turn(t: SourcedTurn): Html {
  const r = t.record;
  const say = (label: string, x: Turn['user']) =>
    html`<h3>${label}</h3>${x.text === null ? html`<p class="muted">${x.note}</p>` : html`<pre>${x.text}</pre>${x.note ? html`<p class="muted">${x.note}</p>` : ''}`}`;
  return html`<article class="card turn ${r.decision ?? ''}" aria-labelledby="turn-${t.n}">
<h2 id="turn-${t.n}">#${t.n} · ${r.kind} · <span class="muted">${r.time} · request ${r.requestId ?? '—'} · ${t.instance !== undefined ? html`instance ${t.instance} ` : ''}seq ${r.seq}</span></h2>
<dl class="facts">${t.who !== null ? html`<dt>Who</dt><dd>${t.who}</dd>` : ''}<dt>Model</dt><dd>${t.model}</dd><dt>Decision</dt><dd>${t.decision}</dd>
${t.approval !== null ? html`<dt>Approval</dt><dd>${t.approval}</dd>` : ''}${t.reason !== null ? html`<dt>Justification</dt><dd>${t.reason}</dd>` : ''}
${r.kind === 'approval' && r.detail?.comment ? html`<dt>Comment</dt><dd>${String(r.detail.comment)}</dd>` : ''}</dl>
${r.kind === 'exchange' ? html`${say('User', t.user)}${say('Assistant', t.assistant)}` : ''}
</article>`;
}

export function filterFrom(f: SearchForm, parseTime: (v: string) => number): SearchFilter {
  const out: SearchFilter = {};
  for (const k of ['subject', 'job', 'session', 'decision', 'detector', 'kind'] as const) if (f[k]) out[k] = f[k];
  if (f.since) out.since = parseTime(f.since);
  if (f.until) out.until = parseTime(f.until);
  return out;
}
