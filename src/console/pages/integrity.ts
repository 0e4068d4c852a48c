// Audit integrity: the last verification of the hash chain and signatures, the newest signed checkpoint, and the
// writer's live counters.
import type { VerifyReport } from '../../audit/verify.js';
import type { AuditWriterStats } from '../../audit/writer.js';
import { html, type Html } from '../html.js';
import { BASE, type View } from '../layout.js';

export interface LastVerify {
  at: number;
  ms: number;
  report?: VerifyReport;
  error?: string;
  signed: boolean;
}

export function integrityMain(v: View, enabled: boolean, last: LastVerify | undefined, running: boolean, stats: AuditWriterStats | undefined): Html {
  if (!enabled) return html`<h1>Audit integrity</h1><p class="muted">The audit trail is off (<code>audit.enabled: false</code>).</p>`;
  const r = last?.report;
  const cp = r?.lastCheckpoint;
  const result = !last
    ? html`<p>Not verified yet.</p>`
    : last.error
      ? html`<p class="bad" role="alert">Verification could not run: ${last.error}</p>`
      : html`<p class="${r!.ok ? 'ok' : 'bad'}" role="status"><strong>${r!.ok ? 'Intact' : 'FAILED'}</strong>: ${r!.errors} error(s) in ${r!.files} file(s), ${r!.records} record(s), last seq ${r!.lastSeq};
${r!.checkpoints} checkpoint(s), ${r!.signaturesVerified} signature(s) verified${last.signed ? '' : ' (no signing key configured: signatures not checked)'}. Verified ${new Date(last.at).toISOString()} in ${last.ms} ms.</p>
${r!.issues.length ? html`<div class="scroll"><table><thead><tr><th scope="col">Where</th><th scope="col">Severity</th><th scope="col">Problem</th></tr></thead><tbody>${r!.issues
        .slice(0, 50)
        .map((i) => html`<tr><td>${i.file}:${i.line}</td><td class="${i.severity === 'error' ? 'bad' : ''}">${i.severity}</td><td>${i.code}: ${i.message}</td></tr>`)}</tbody></table></div>` : ''}`;
  const checkpoint = cp
    ? html`<dl class="facts"><dt>Checkpoint</dt><dd>seq ${cp.seq} at ${cp.time} (${cp.file})</dd><dt>Signs</dt><dd>seq ${cp.signedSeq}, hash <code>${cp.signedHash.slice(0, 16)}…</code></dd>
<dt>Key</dt><dd><code>${cp.kid}</code></dd><dt>Signature</dt><dd class="${cp.signatureValid === false ? 'bad' : cp.signatureValid ? 'ok' : ''}">${cp.signatureValid === null ? 'not checked' : cp.signatureValid ? 'valid' : 'INVALID'}</dd></dl>`
    : html`<p class="muted">${r ? 'No signed checkpoint in the trail (set audit.signingKeyFile).' : 'Verify to find the newest checkpoint.'}</p>`;
  const live = stats
    ? html`<dl class="facts"><dt>Records written</dt><dd>${stats.seq} (durable ${stats.durable})</dd><dt>Checkpoints this run</dt><dd>${stats.checkpoints}</dd><dt>Dropped</dt><dd class="${stats.dropped ? 'bad' : ''}">${stats.dropped}</dd><dt>Current file</dt><dd>${stats.file}</dd></dl>`
    : '';
  return html`<h1>Audit integrity</h1>
<h2>Last verification</h2>${result}
<form method="post" action="${BASE}/integrity/verify"><input type="hidden" name="_csrf" value="${v.csrf}"><button type="submit"${running ? html` disabled` : ''}>${running ? 'Verifying…' : 'Verify now'}</button></form>
<h2>Latest signed checkpoint</h2>${checkpoint}
<h2>Writer</h2>${live}`;
}
