// `sluice audit replay <session>`: the session's records turn by turn, masked, readable in a terminal.
import { emit, type CliIo } from './io.js';
import { assistantText, lastUserMessage } from './extract.js';
import { readRecords } from './read.js';
import type { AuditRecord, BodyCapture } from './record.js';
import { findingsLabel } from './search.js';

const WIDTH = 100;
const RULE = '─'.repeat(WIDTH);

/** Returns the number of records shown. */
export async function runReplay(dir: string, session: string, io: CliIo): Promise<number> {
  let turn = 0;
  const needle = `"session":${JSON.stringify(session)}`;
  for await (const rec of readRecords(dir, (t) => t.includes(needle))) {
    if (rec.kind === 'checkpoint' || rec.identity?.session !== session) continue;
    if (turn === 0) await emit(io.stdout, `Session ${clean(session)}\n`);
    await emit(io.stdout, formatTurn(rec, ++turn));
  }
  if (turn === 0) await emit(io.stderr, `no records for session ${clean(session)}\n`);
  return turn;
}

export function formatTurn(r: AuditRecord, turn: number): string {
  const out: string[] = [RULE, `#${turn}  ${r.time}  ${r.kind}  request ${r.requestId ?? '-'}  (seq ${r.seq})`];
  const id = r.identity;
  if (id) out.push(field('who', `${id.subject}${id.job ? ` · job ${id.job}` : ''}${id.groups.length ? ` · groups ${id.groups.join(',')}` : ''}`));
  out.push(field('model', [r.model ?? '-', r.connection, r.route].filter(Boolean).join(' · ')));
  out.push(field('decision', decisionLine(r)));
  if (r.approver || r.approvalId) out.push(field('approval', `${r.approvalId ?? '-'}${r.approver ? ` by ${r.approver}` : ''}`));
  if (r.justification) out.push(field('reason', r.justification));
  out.push(...block('user', r.request, lastUserMessage));
  out.push(...block('assistant', r.response, assistantText));
  return out.join('\n') + '\n';
}

function decisionLine(r: AuditRecord): string {
  const parts = [r.decision ?? '-', r.status === null ? 'no status' : `HTTP ${r.status}`];
  if (r.error) parts.push(r.error);
  if (r.aborted) parts.push('client aborted');
  parts.push(`findings ${findingsLabel(r)}`);
  if (r.latency?.totalMs != null) {
    parts.push(`${r.latency.totalMs} ms${r.latency.overheadMs != null ? ` (sluice ${r.latency.overheadMs} ms)` : ''}`);
  }
  if (r.usage?.total != null) parts.push(`${r.usage.total} tokens`);
  return parts.join(' · ');
}

function block(label: string, body: BodyCapture | undefined, extract: (text: string) => string | undefined): string[] {
  if (!body || body.mode === 'none' || body.text === undefined) return [field(label, body && body.bytes > 0 ? `(not stored, ${body.bytes} bytes)` : '(none)')];
  const text = extract(body.text) ?? body.text;
  const note = body.mode === 'truncated' ? `  … (stored ${Buffer.byteLength(body.text)} of ${body.bytes} bytes)` : '';
  const lines = wrap(clean(text + note), WIDTH - 14);
  return lines.map((l, i) => `  ${(i === 0 ? label : '').padEnd(10)} │ ${l}`);
}

function field(label: string, value: string): string {
  return `  ${label.padEnd(10)}   ${clean(value)}`;
}

/** Drops terminal control sequences: stored text comes from callers and models and must not drive the terminal. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '�');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) out.push('');
    for (let i = 0; i < line.length; i += width) out.push(line.slice(i, i + width));
  }
  return out;
}
