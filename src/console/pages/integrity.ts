// Audit integrity: the last verification of the hash chain and signatures (this instance's files, or every
// instance's chain in the audit store), the newest signed checkpoint, and the writer's live counters.
import type { AuditWriterStats } from '../../audit/writer.js';
import { html, type Html } from '../html.js';
import { BASE, type View } from '../layout.js';
import type { InstanceReport, SourceNote } from '../source.js';
import { sourceLine } from './audit.js';

export interface LastVerify {
  at: number;
  ms: number;
  /** One report for the files; one per instance from the store. */
  reports?: InstanceReport[];
  source?: SourceNote;
  error?: string;
  signed: boolean;
}

export function integrityMain(v: View, enabled: boolean, last: LastVerify | undefined, running: boolean, stats: AuditWriterStats | undefined, storeHealth?: string): Html {
  if (!enabled) return html`<h1>Audit integrity</h1><p class="muted">The audit trail is off (<code>audit.enabled: false</code>).</p>`;
  const reports = last?.reports;
  const result = !last
    ? html`<p>Not verified yet.</p>`
    : last.error || !reports
      ? html`<p class="bad" role="alert">Verification could not run: ${last.error ?? 'unknown error'}</p>`
      : last.source?.kind === 'store'
        ? storeResult(last, reports)
        : filesResult(last, reports[0]);
  const checkpoints = reports?.map((r) => ({ instance: r.instance, cp: r.report.lastCheckpoint })).filter((c) => c.cp !== null) ?? [];
  const checkpoint = checkpoints.length
    ? checkpoints.map(({ instance, cp }) => html`<dl class="facts">${instance !== undefined ? html`<dt>Instance</dt><dd>${instance}</dd>` : ''}<dt>Checkpoint</dt><dd>seq ${cp!.seq} at ${cp!.time}${instance === undefined ? html` (${cp!.file})` : ''}</dd><dt>Signs</dt><dd>seq ${cp!.signedSeq}, hash <code>${cp!.signedHash.slice(0, 16)}…</code></dd>
<dt>Key</dt><dd><code>${cp!.kid}</code></dd><dt>Signature</dt><dd class="${cp!.signatureValid === false ? 'bad' : cp!.signatureValid ? 'ok' : ''}">${cp!.signatureValid === null ? 'not checked' : cp!.signatureValid ? 'valid' : 'INVALID'}</dd></dl>`)
    : html`<p class="muted">${reports ? 'No signed checkpoint in the trail (set audit.signingKeyFile).' : 'Verify to find the newest checkpoint.'}</p>`;
  const live = stats
    ? html`<dl class="facts"><dt>Records written</dt><dd>${stats.seq} (durable ${stats.durable})</dd><dt>Checkpoints this run</dt><dd>${stats.checkpoints}</dd><dt>Dropped</dt><dd class="${stats.dropped ? 'bad' : ''}">${stats.dropped}</dd><dt>Current file</dt><dd>${stats.file}</dd>${storeHealth !== undefined ? html`<dt>Audit store</dt><dd>${storeHealth}</dd>` : ''}</dl>`
    : '';
  return html`<h1>Audit integrity</h1>
<h2>Last verification</h2>${last?.source ? sourceLine(last.source) : ''}${result}
<form method="post" action="${BASE}/integrity/verify"><input type="hidden" name="_csrf" value="${v.csrf}"><button type="submit"${running ? html` disabled` : ''}>${running ? 'Verifying…' : 'Verify now'}</button></form>
<h2>Latest signed checkpoint</h2>${checkpoint}
<h2>Writer</h2>${live}`;
}

const signedNote = (last: LastVerify) => (last.signed ? '' : ' (no signing key configured: signatures not checked)');

function filesResult(last: LastVerify, one: InstanceReport): Html {
  const r = one.report;
  return html`<p class="${r.ok ? 'ok' : 'bad'}" role="status"><strong>${r.ok ? 'Intact' : 'FAILED'}</strong>: ${r.errors} error(s) in ${r.files} file(s), ${r.records} record(s), last seq ${r.lastSeq};
${r.checkpoints} checkpoint(s), ${r.signaturesVerified} signature(s) verified${signedNote(last)}. Verified ${new Date(last.at).toISOString()} in ${last.ms} ms.</p>
${issueTable(r.issues.slice(0, 50).map((i) => ({ where: `${i.file}:${i.line}`, severity: i.severity, problem: `${i.code}: ${i.message}` })))}`;
}

/** Every instance's chain in the store: one line each, then the problems (a row edited around its hash included). */
function storeResult(last: LastVerify, reports: InstanceReport[]): Html {
  const bad = (x: InstanceReport) => x.report.errors + x.columnIssues.length;
  const errors = reports.reduce((n, x) => n + bad(x), 0);
  const records = reports.reduce((n, x) => n + x.report.records, 0);
  const ok = errors === 0;
  const issues = reports.flatMap((x) => [
    ...x.report.issues.map((i) => ({ where: `${x.instance} seq ${i.line}`, severity: i.severity, problem: `${i.code}: ${i.message}` })),
    ...x.columnIssues.map((c) => ({ where: `${x.instance} seq ${c.seq}`, severity: 'error', problem: `column_mismatch: column ${c.column} does not say what the record's line says: the row was edited` })),
  ]);
  return html`<p class="${ok ? 'ok' : 'bad'}" role="status"><strong>${ok ? 'Intact' : 'FAILED'}</strong>: ${errors} error(s) in ${reports.length} instance(s), ${records} record(s)${signedNote(last)}. Verified ${new Date(last.at).toISOString()} in ${last.ms} ms.</p>
${reports.length ? html`<div class="scroll"><table><thead><tr><th scope="col">Instance</th><th scope="col">Chain</th><th scope="col">Records</th><th scope="col">Last seq</th><th scope="col">Checkpoints</th><th scope="col">Signatures verified</th></tr></thead><tbody>${reports.map(
    (x) => html`<tr><td>${x.instance}</td><td class="${bad(x) ? 'bad' : 'ok'}">${bad(x) ? `FAILED (${bad(x)} error(s))` : 'intact'}</td><td>${x.report.records}</td><td>${x.report.lastSeq}</td><td>${x.report.checkpoints}</td><td>${x.report.signaturesVerified}</td></tr>`,
  )}</tbody></table></div>` : html`<p class="muted">No records in the store yet.</p>`}
${issueTable(issues.slice(0, 50))}`;
}

function issueTable(issues: Array<{ where: string; severity: string; problem: string }>): Html {
  if (!issues.length) return html``;
  return html`<div class="scroll"><table><thead><tr><th scope="col">Where</th><th scope="col">Severity</th><th scope="col">Problem</th></tr></thead><tbody>${issues.map(
    (i) => html`<tr><td>${i.where}</td><td class="${i.severity === 'error' ? 'bad' : ''}">${i.severity}</td><td>${i.problem}</td></tr>`,
  )}</tbody></table></div>`;
}
