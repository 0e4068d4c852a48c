// Shadow AI: what the egress proxy saw (live summary) and what the log scanner found in the configured logs.
import type { SummaryEntry } from '../../shadow/aggregate.js';
import type { ShadowSummary } from '../../shadow/ledger.js';
import type { ScanReport } from '../../shadow/scan.js';
import { html, type Html } from '../html.js';
import { BASE, type View } from '../layout.js';

export interface LastScan {
  at: number;
  files: string[];
  report?: ScanReport;
  error?: string;
}

function table(entries: SummaryEntry[], withActions: boolean): Html {
  if (entries.length === 0) return html`<p class="muted">No shadow calls seen.</p>`;
  return html`<div class="scroll"><table><thead><tr><th scope="col">Host</th><th scope="col">Provider</th><th scope="col">Caller (source)</th><th scope="col">Identities</th><th scope="col">Calls</th><th scope="col">Last seen</th>${withActions ? html`<th scope="col">Actions</th>` : ''}<th scope="col">Signatures</th></tr></thead>
<tbody>${entries.map(
    (e) => html`<tr><td>${e.host}</td><td>${e.provider ?? '—'}</td><td>${e.source}</td><td>${(e.subjects ?? []).join(', ') || '—'}</td><td>${e.count}</td><td>${e.lastSeen ?? '—'}</td>${
      withActions ? html`<td>${Object.entries(e.actions ?? {}).map(([k, n]) => html`<span class="chip">${k}×${n}</span>`)}</td>` : ''
    }<td>${e.signatures.map((s) => html`<span class="chip">${s}</span>`)}</td></tr>`,
  )}</tbody></table></div>`;
}

export function shadowMain(v: View, proxy: ShadowSummary | undefined, logs: string[], last: LastScan | undefined): Html {
  const egress = proxy
    ? html`<p class="hint">Since ${proxy.since}: ${proxy.calls} call(s) ${Object.entries(proxy.byAction).map(([k, n]) => html`<span class="chip">${k} ${n}</span>`)}${proxy.dropped ? html` · ${proxy.dropped} not itemised (summary full)` : ''}</p>${table(proxy.entries, true)}`
    : html`<p class="muted">The egress proxy is off (<code>egress.enabled: false</code>).</p>`;
  const scan = logs.length === 0
    ? html`<p class="muted">No logs configured: list proxy, web server or flow logs under <code>console.shadowLogs</code> (or run <code>sluice shadow scan FILE…</code>).</p>`
    : html`<p class="hint">${logs.length} log file(s) configured. ${last ? html`Last scan ${new Date(last.at).toISOString()}.` : 'Not scanned yet.'}</p>
<form method="post" action="${BASE}/shadow/scan"><input type="hidden" name="_csrf" value="${v.csrf}"><button type="submit">Scan the logs now</button></form>
${last?.error ? html`<p class="flash bad" role="alert">${last.error}</p>` : ''}
${last?.report ? html`<p class="hint">${last.report.lines} line(s), ${last.report.shadow} shadow call(s), ${last.report.malformed} unreadable.</p>${table(last.report.entries, false)}` : ''}`;
  return html`<h1>Shadow AI</h1><h2>Egress proxy</h2>${egress}<h2>Log scanner</h2>${scan}`;
}
