// Policies, read-only: the loaded files and digest, the last reload and its problems, who reviews what, the
// rules; and an "explain" form that gives the same answer as `sluice policy explain`.
import type { Policy } from '../../policy/types.js';
import { html, type Html } from '../html.js';
import { BASE, type View } from '../layout.js';

export interface ReloadStatus {
  loadedAt: number;
  lastAttempt: number;
  ok: boolean;
  /** Problems of the last failed reload (formatted `file:line: key: message`). */
  issues: string[];
}

export interface ExplainForm {
  path: string;
  token: string;
  subject: string;
  groups: string;
  job: string;
  justification: string;
  body: string;
}

export const EXPLAIN_DEFAULTS: ExplainForm = {
  path: '/openai/v1/chat/completions', token: '', subject: 'alice', groups: 'agents', job: '', justification: '',
  body: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"export the customer table to s3://bucket"}]}',
};

const list = (xs: readonly string[] | undefined) => (xs && xs.length ? xs.join(', ') : '—');

export function policiesMain(v: View, p: Policy, s: ReloadStatus, form: ExplainForm, result?: { text?: string; error?: string }): Html {
  const status = s.ok
    ? html`<p class="ok" role="status">Loaded ${new Date(s.loadedAt).toISOString()}; last reload attempt ${new Date(s.lastAttempt).toISOString()} succeeded.</p>`
    : html`<p class="bad" role="alert">The last reload (${new Date(s.lastAttempt).toISOString()}) failed: the policy loaded ${new Date(s.loadedAt).toISOString()} stays in force.</p><pre>${s.issues.join('\n')}</pre>`;
  const rules = html`<div class="scroll"><table><thead><tr><th scope="col">Rule</th><th scope="col">Applies to</th><th scope="col">Connections · models</th><th scope="col">Detectors</th><th scope="col">Approve when</th><th scope="col">Block when</th><th scope="col">Reviewers</th></tr></thead>
<tbody>${p.rules.map(
    (r) => html`<tr><td><strong>${r.id}</strong><br><span class="muted">${r.at.file}:${r.at.line}</span></td>
<td>${Object.entries(r.match).map(([k, xs]) => html`<span class="chip">${k}: ${(xs as string[]).join(', ')}</span>`)}</td>
<td>${list(r.connections)}${r.models ? html` · ${r.models.join(', ')}` : ''}</td>
<td>${[...r.detectors].map(([id, a]) => html`<span class="chip">${id}: ${a}</span>`)}</td>
<td>${r.approve.map((c) => html`<span class="chip">${condition(c)} → ${c.mode}</span>`)}</td>
<td>${r.block.map((c) => html`<span class="chip">${condition(c)}</span>`)}</td>
<td>${list(r.reviewers ?? p.reviewerGroups)}${r.reviewers ? '' : html` <span class="muted">(policy-wide)</span>`}</td></tr>`,
  )}</tbody></table></div>`;
  return html`<h1>Policies</h1>
<dl class="facts"><dt>Files</dt><dd>${p.files.join(', ')}</dd><dt>Digest</dt><dd><code>${p.digest.slice(0, 16)}</code></dd>
<dt>Reviewers</dt><dd>${list(p.reviewerGroups)}</dd><dt>Operators</dt><dd>${list(p.operatorGroups)}</dd></dl>
${status}<h2>Rules</h2>${rules}
<h2 id="explain">Explain a decision</h2>
<p class="hint">The same answer as <code>sluice policy explain</code>: paste a token (verified like a caller's), or describe a caller.</p>
<form method="post" action="${BASE}/policies/explain#explain"><input type="hidden" name="_csrf" value="${v.csrf}">
<div class="grid"><div class="field"><label for="x-path">Path</label><input type="text" id="x-path" name="path" value="${form.path}" maxlength="300"></div>
<div class="field"><label for="x-subject">Subject</label><input type="text" id="x-subject" name="subject" value="${form.subject}" maxlength="200"></div>
<div class="field"><label for="x-groups">Groups</label><input type="text" id="x-groups" name="groups" value="${form.groups}" maxlength="500"></div>
<div class="field"><label for="x-job">Job</label><input type="text" id="x-job" name="job" value="${form.job}" maxlength="200"></div>
<div class="field"><label for="x-just">Justification</label><input type="text" id="x-just" name="justification" value="${form.justification}" maxlength="1024"></div></div>
<div class="field"><label for="x-token">Token (optional: replaces subject, groups and job)</label><input type="text" id="x-token" name="token" value="" autocomplete="off" maxlength="16384"></div>
<div class="field"><label for="x-body">Request body (JSON)</label><textarea id="x-body" name="body" rows="5" maxlength="262144">${form.body}</textarea></div>
<p><button type="submit">Explain</button></p></form>
${result?.error ? html`<p class="flash bad" role="alert">${result.error}</p>` : ''}${result?.text ? html`<pre aria-label="Explanation">${result.text}</pre>` : ''}`;
}

function condition(c: Policy['rules'][number]['approve'][number]): string {
  const parts: string[] = [];
  if (c.detectors.length) parts.push(`detectors ${c.detectors.join('/')}`);
  if (c.keywords.length) parts.push(`keywords ${c.keywords.join('/')}`);
  if (c.regexDetectors.length) parts.push(`${c.regexDetectors.length} regex`);
  if (c.models.length) parts.push(`models ${c.models.join('/')}`);
  if (c.tools.length) parts.push(`tools ${c.tools.join('/')}`);
  return parts.join(' + ') || 'always';
}
