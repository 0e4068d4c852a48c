// `sluice approvals list|show|approve|deny`: a thin client of the reviewer API.
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { formatApproval, formatTable, type ApprovalJson } from './cli-format.js';

export const USAGE = `usage: sluice approvals <command> [--url URL] [--token TOKEN] [--json]

commands:
  list [--status pending|approved|denied|expired|cancelled|all] [--limit N]
  show <id>
  approve <id> [--comment TEXT] [--grant-minutes N]
  deny <id> --comment TEXT

--url defaults to http://127.0.0.1:8080; --token defaults to $SLUICE_TOKEN (a reviewer's JWT or service key).
`;

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  env: process.env,
};

class UsageError extends Error {}

export async function approvalsCommand(argv: string[], io: CliIo = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv, io.env);
  } catch (err) {
    io.stderr(`sluice approvals: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const { cmd, id, v } = parsed;
  const base = v.url.replace(/\/+$/, '');
  const call = (method: 'GET' | 'POST', path: string, body?: unknown) => api(base, v.token, method, path, body);
  try {
    let out: { status: number; json: Record<string, unknown> };
    if (cmd === 'list') out = await call('GET', `/sluice/approvals?${new URLSearchParams({ status: v.status, limit: v.limit })}`);
    else if (cmd === 'show') out = await call('GET', `/sluice/approvals/${encodeURIComponent(id)}`);
    else out = await call('POST', `/sluice/approvals/${encodeURIComponent(id)}/${cmd}`, decisionBody(cmd, v));
    if (out.status >= 400) {
      const e = (out.json.error ?? {}) as { code?: string; message?: string };
      io.stderr(`sluice approvals: ${out.status} ${e.code ?? 'error'}: ${e.message ?? 'request failed'}\n`);
      return 1;
    }
    io.stdout(v.json ? `${JSON.stringify(out.json, null, 2)}\n` : render(cmd, out.json));
    return 0;
  } catch (err) {
    io.stderr(`sluice approvals: cannot reach ${base}: ${(err as { code?: string }).code ?? (err as Error).message}\n`);
    return 1;
  }
}

type Values = { url: string; token: string; status: string; limit: string; comment?: string; grantMinutes?: number; json: boolean };

function parse(argv: string[], env: NodeJS.ProcessEnv): 'help' | { cmd: string; id: string; v: Values } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      token: { type: 'string' },
      status: { type: 'string', default: 'pending' },
      limit: { type: 'string', default: '100' },
      comment: { type: 'string' },
      'grant-minutes': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [cmd, id, ...extra] = positionals;
  if (values.help || cmd === 'help') return 'help';
  if (!['list', 'show', 'approve', 'deny'].includes(cmd ?? '')) throw new UsageError(cmd ? `unknown command "${cmd}"` : 'a command is required');
  if (cmd !== 'list' && !id) throw new UsageError(`${cmd} needs an approval id`);
  if (extra.length > 0 || (cmd === 'list' && id)) throw new UsageError(`unexpected argument "${extra[0] ?? id}"`);
  if (cmd === 'deny' && !values.comment) throw new UsageError('deny needs --comment');
  const token = values.token ?? env.SLUICE_TOKEN;
  if (!token) throw new UsageError('no credential: pass --token or set SLUICE_TOKEN');
  let grantMinutes: number | undefined;
  if (values['grant-minutes'] !== undefined) {
    if (cmd !== 'approve') throw new UsageError('--grant-minutes only applies to approve');
    grantMinutes = Number(values['grant-minutes']);
    if (!Number.isInteger(grantMinutes) || grantMinutes < 1) throw new UsageError('--grant-minutes must be a positive integer');
  }
  return { cmd: cmd!, id: id ?? '', v: { url: values.url, token, status: values.status, limit: values.limit, comment: values.comment, grantMinutes, json: values.json } };
}

function decisionBody(cmd: string, v: Values): Record<string, unknown> {
  return { ...(v.comment !== undefined ? { comment: v.comment } : {}), ...(cmd === 'approve' && v.grantMinutes !== undefined ? { grantMinutes: v.grantMinutes } : {}) };
}

async function api(base: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await res.body.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { error: { code: 'BAD_RESPONSE', message: `not JSON (${text.length} bytes)` } };
  }
  return { status: res.statusCode, json };
}

function render(cmd: string, json: Record<string, unknown>): string {
  if (cmd === 'list') return formatTable((json.approvals ?? []) as ApprovalJson[]);
  const a = json.approval as ApprovalJson;
  if (cmd === 'show') return formatApproval(a);
  const grant = a.grantMinutes ? ` (standing grant for job ${a.identity.job} on rule ${a.rule}: ${a.grantMinutes} min)` : '';
  return `${a.status} ${a.id}${grant}\n`;
}
