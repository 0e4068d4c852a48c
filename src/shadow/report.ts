// Scan reports as a table for people or JSON for pipelines. Values come from untrusted logs:
// control characters are replaced so a crafted line cannot drive the reader's terminal.
import type { ScanReport } from './scan.js';

const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');

export function formatJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function formatTable(report: ScanReport): string {
  const head = ['SOURCE', 'HOST', 'PROVIDER', 'COUNT', 'FIRST SEEN', 'LAST SEEN'];
  const rows = report.entries.map((e) => [printable(e.source), printable(e.host), e.provider ?? '-', String(e.count), e.firstSeen ?? '-', e.lastSeen ?? '-']);
  let out = '';
  if (rows.length) {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `${cells.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()}\n`;
    out += line(head) + rows.map(line).join('');
  } else {
    out += 'No shadow-AI calls found.\n';
  }
  const sources = new Set(report.entries.map((e) => e.source)).size;
  const hosts = new Set(report.entries.map((e) => e.host)).size;
  out += `\n${report.files.length} file(s), ${report.lines} line(s): ${report.shadow} shadow call(s) from ${sources} source(s) to ${hosts} host(s); ${report.malformed} malformed line(s) skipped`;
  if (report.dropped) out += `; ${report.dropped} call(s) beyond the pair limit counted but not listed`;
  return `${out}\n`;
}
