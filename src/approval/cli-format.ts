// Terminal rendering of approvals for `sluice approvals list|show`. Caller-written text (prompt, justification)
// reaches a reviewer's terminal, so control characters are shown escaped, never interpreted.

/** An approval as the reviewer API returns it (times as ISO strings). */
export interface ApprovalJson {
  id: string;
  status: string;
  mode: string;
  rule: string;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  requestId: string;
  identity: { subject: string; groups: string[]; job: string | null; session: string };
  connection: string | null;
  route: string | null;
  model: string | null;
  findings: Array<{ detector: string; count: number; action: string }>;
  justification: string | null;
  reviewer: string | null;
  comment: string | null;
  grantMinutes: number | null;
  uses: number;
  prompt?: { text: string; bytes: number; truncated: boolean };
}

const COLUMNS = ['ID', 'STATUS', 'MODE', 'CREATED', 'SUBJECT', 'JOB', 'RULE', 'MODEL', 'FINDINGS'] as const;

export function formatTable(rows: ApprovalJson[]): string {
  if (rows.length === 0) return 'no approvals\n';
  const cells = rows.map((a) => [
    a.id,
    a.status,
    a.mode,
    a.createdAt,
    a.identity.subject,
    a.identity.job ?? '-',
    a.rule,
    a.model ?? '-',
    findings(a) || '-',
  ].map(clean));
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return `${[line(COLUMNS), ...cells.map(line)].join('\n')}\n`;
}

export function formatApproval(a: ApprovalJson): string {
  const fields: Array<[string, string | number | null | undefined]> = [
    ['id', a.id],
    ['status', a.status],
    ['mode', a.mode],
    ['rule', a.rule],
    ['created', a.createdAt],
    ['expires', a.expiresAt],
    ['subject', a.identity.subject],
    ['groups', a.identity.groups.join(', ')],
    ['job', a.identity.job],
    ['session', a.identity.session],
    ['connection', a.connection],
    ['route', a.route],
    ['model', a.model],
    ['findings', findings(a)],
    ['justification', a.justification],
    ['reviewer', a.reviewer],
    ['comment', a.comment],
    ['decided', a.decidedAt],
    ['grant minutes', a.grantMinutes],
    ['request id', a.requestId],
  ];
  const head = fields
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${`${k}:`.padEnd(15)}${clean(String(v))}`)
    .join('\n');
  if (!a.prompt) return `${head}\n`;
  const note = a.prompt.truncated ? ` (first part of ${a.prompt.bytes} bytes)` : '';
  const body = a.prompt.text.split('\n').map((l) => `  ${clean(l.replace(/\r$/, ''))}`).join('\n');
  return `${head}\nprompt (masked)${note}:\n${body}\n`;
}

function findings(a: ApprovalJson): string {
  return a.findings.map((f) => `${f.detector}×${f.count}`).join(' ');
}

// C0 (except tab), DEL and C1 controls: enough to stop escape sequences from moving the cursor or recolouring.
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

export function clean(s: string): string {
  return s.replace(CONTROL_RE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
