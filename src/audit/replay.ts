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
  for await (const rec of sessionRecords(dir, session)) {
    if (turn === 0) await emit(io.stdout, `Session ${clean(session)}\n`);
    await emit(io.stdout, formatTurn(rec, ++turn));
  }
  if (turn === 0) await emit(io.stderr, `no records for session ${clean(session)}\n`);
  return turn;
}

/** The records of one session in chain order (checkpoints left out), streamed. */
export async function* sessionRecords(dir: string, session: string): AsyncGenerator<AuditRecord & { file: string; line: number }> {
  const needle = `"session":${JSON.stringify(session)}`;
  for await (const rec of readRecords(dir, (t) => t.includes(needle))) {
    if (rec.kind === 'checkpoint' || rec.identity?.session !== session) continue;
    yield rec;
  }
}

/** One turn as `replay` shows it, before it is laid out for a terminal (the CLI) or a page (the console). */
export interface Turn {
  n: number;
  record: AuditRecord;
  who: string | null;
  model: string;
  decision: string;
  approval: string | null;
  reason: string | null;
  user: TurnText;
  assistant: TurnText;
}

/** `text` is what was said (null when nothing was stored); `note` says what is missing or cut. */
export interface TurnText {
  text: string | null;
  note: string;
}

export function turnOf(r: AuditRecord, n: number): Turn {
  const id = r.identity;
  return {
    n,
    record: r,
    who: id ? `${id.subject}${id.job ? ` · job ${id.job}` : ''}${id.groups.length ? ` · groups ${id.groups.join(',')}` : ''}` : null,
    model: [r.model ?? '-', r.connection, r.route].filter(Boolean).join(' · '),
    decision: decisionLine(r),
    approval: r.approver || r.approvalId ? `${r.approvalId ?? '-'}${r.approver ? ` by ${r.approver}` : ''}` : null,
    reason: r.justification || null,
    user: turnText(r.request, lastUserMessage),
    assistant: turnText(r.response, assistantText),
  };
}

export function formatTurn(r: AuditRecord, n: number): string {
  const t = turnOf(r, n);
  const out: string[] = [RULE, `#${n}  ${r.time}  ${r.kind}  request ${r.requestId ?? '-'}  (seq ${r.seq})`];
  if (t.who !== null) out.push(field('who', t.who));
  out.push(field('model', t.model));
  out.push(field('decision', t.decision));
  if (t.approval !== null) out.push(field('approval', t.approval));
  if (t.reason !== null) out.push(field('reason', t.reason));
  out.push(...block('user', t.user));
  out.push(...block('assistant', t.assistant));
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

function turnText(body: BodyCapture | undefined, extract: (text: string) => string | undefined): TurnText {
  if (!body || body.mode === 'none' || body.text === undefined) return { text: null, note: body && body.bytes > 0 ? `(not stored, ${body.bytes} bytes)` : '(none)' };
  const note = body.mode === 'truncated' ? `… (stored ${Buffer.byteLength(body.text)} of ${body.bytes} bytes)` : '';
  return { text: extract(body.text) ?? body.text, note };
}

function block(label: string, t: TurnText): string[] {
  if (t.text === null) return [field(label, t.note)];
  const lines = wrap(clean(t.text + (t.note ? `  ${t.note}` : '')), WIDTH - 14);
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
