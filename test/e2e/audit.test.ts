// The audit trail of a real gateway run: one record per exchange with the right decision, no raw detected value
// in any file, `audit verify` passing on the run and catching each tamper case, `audit replay` of a held session,
// and signed checkpoints checked with the public key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';
import { auditCommand } from '../../src/audit/cli.js';
import { keysCommand, KEY_FILES } from '../../src/audit/keys.js';
import { canonicalize, sha256Hex } from '../../src/audit/canonical.js';
import type { CliIo } from '../../src/audit/io.js';

const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.doe@example.com';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const PLANTED = `card ${CARD}, mail ${EMAIL}, key ${AWS_KEY}`;
const RAW_FORMS = [CARD, CARD.replace(/ /g, ''), CARD.replace(/ /g, '-'), EMAIL, AWS_KEY];
const HOLD_SESSION = 'sess-hold-e2e';

interface Rec {
  kind: string;
  seq: number;
  requestId: string | null;
  decision: string | null;
  status: number | null;
  error: string | null;
  approvalId: string | null;
  approver: string | null;
  identity: { subject: string; session: string } | null;
  detail: Record<string, unknown> | null;
  checkpoint?: { jws: string };
  prev: string;
  hash: string;
}

/** Runs an `audit` subcommand with captured output. */
async function audit(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (s) => ((out += s), true) }, stderr: { write: (s) => ((err += s), true) } };
  const code = await auditCommand(argv, io);
  return { code, out, err };
}

const auditFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
const readAll = (dir: string) => auditFiles(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
const records = (dir: string): Rec[] =>
  readAll(dir)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rec);

async function chat(stack: Stack, token: string, content: string, headers: Record<string, string> = {}, stream = false) {
  const res = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content }] }),
  });
  return { status: res.statusCode, text: await res.body.text().catch(() => '') };
}

async function reviewerApi(stack: Stack, token: string, path: string, body?: unknown) {
  const res = await request(`${stack.url}/sluice/approvals${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, json: JSON.parse(await res.body.text()) };
}

/** An `agents` request held for review, approved by `rita` once it shows up in the pending list. */
async function heldAndApproved(stack: Stack, agent: string, content: string, headers: Record<string, string>) {
  const reviewer = await stack.token(['reviewers'], 'rita');
  const call = chat(stack, agent, content, headers);
  for (let i = 0; i < 200; i++) {
    const { json } = await reviewerApi(stack, reviewer, '');
    const pending = json.approvals.find((a: { requestId: string }) => a.requestId === headers['x-request-id']);
    if (pending) {
      expect((await reviewerApi(stack, reviewer, `/${pending.id}/approve`, { comment: 'ok for INC-7' })).status).toBe(200);
      return call;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the held request never showed up');
}

/** Rewrites records from `from` on with fresh prev/hash: what someone without the signing key can still do. */
function reseal(lines: string[], from: number): string[] {
  const out = lines.slice(0, from);
  let prev = (JSON.parse(lines[from - 1]) as Rec).hash;
  for (const line of lines.slice(from)) {
    const rec: Partial<Rec> = { ...(JSON.parse(line) as Rec), prev };
    delete rec.hash;
    prev = sha256Hex(canonicalize(rec));
    out.push(canonicalize({ ...rec, hash: prev }));
  }
  return out;
}

describe('audit trail of a gateway run (policies/default.yaml)', () => {
  let stack: Stack;
  let work: string;
  let analystToken: string;
  const expected: Record<string, { decision: string; status: number; kind?: string; error?: string }> = {
    'e2e-allowed': { decision: 'allowed', status: 200 },
    'e2e-masked': { decision: 'masked', status: 200 },
    'e2e-blocked': { decision: 'blocked', status: 400, error: 'SLUICE_JUSTIFICATION_REQUIRED' },
    'e2e-denied-default': { decision: 'blocked', status: 403, error: 'SLUICE_FORBIDDEN' },
    'e2e-auth': { decision: 'failed', status: 401, kind: 'auth_failure' },
    'e2e-upstream-500': { decision: 'masked', status: 500 },
    'e2e-reset': { decision: 'failed', status: 200 },
    'e2e-hold-1': { decision: 'allowed', status: 200 },
    'e2e-hold-2': { decision: 'approved', status: 200 },
  };

  beforeAll(async () => {
    stack = await startStack();
    work = mkdtempSync(join(tmpdir(), 'sluice-e2e-audit-'));
    analystToken = await stack.token(['analysts'], 'ann');
    const restricted = await stack.token(['restricted'], 'rita-r');
    const agent = await stack.token(['agents'], 'agent-42', 'lg-exporter');
    const rid = (id: string) => ({ 'x-request-id': id });

    const seen = [
      await chat(stack, analystToken, 'hello there', rid('e2e-allowed')),
      await chat(stack, analystToken, PLANTED, rid('e2e-masked')),
      await chat(stack, restricted, PLANTED, rid('e2e-blocked')), // no justification
      await chat(stack, await stack.token(['interns'], 'ivan'), `key ${AWS_KEY}`, rid('e2e-denied-default')),
      await chat(stack, 'not-a-token', PLANTED, rid('e2e-auth')),
      await chat(stack, analystToken, PLANTED, { ...rid('e2e-upstream-500'), 'x-mock-status': '500' }),
      await chat(stack, analystToken, 'one two three four five six', { ...rid('e2e-reset'), 'x-mock-reset-after': '2' }, true),
      await chat(stack, agent, 'list the customer tables', { ...rid('e2e-hold-1'), 'x-sluice-session': HOLD_SESSION }),
      await heldAndApproved(stack, agent, `please export the customer table to s3://bucket (${PLANTED})`, { ...rid('e2e-hold-2'), 'x-sluice-session': HOLD_SESSION }),
    ];
    expect(seen.map((s) => s.status)).toEqual([200, 200, 400, 403, 401, 500, 200, 200, 200]);
    await stack.sluice.close(); // flushes the audit writer; stack.close() later removes the directory
  });
  afterAll(async () => {
    await stack?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('writes exactly one exchange record per request, with the right decision and status', () => {
    const all = records(stack.auditDir);
    for (const [requestId, want] of Object.entries(expected)) {
      const mine = all.filter((r) => r.requestId === requestId && r.kind !== 'approval');
      expect(mine, requestId).toHaveLength(1);
      expect(mine[0], requestId).toMatchObject({ kind: want.kind ?? 'exchange', decision: want.decision, status: want.status });
      if (want.error) expect(mine[0].error).toBe(want.error);
    }
    const approved = all.find((r) => r.requestId === 'e2e-hold-2' && r.kind === 'exchange')!;
    expect(approved).toMatchObject({ approver: 'rita', identity: { subject: 'agent-42', session: HOLD_SESSION } });
    const events = all.filter((r) => r.kind === 'approval' && r.approvalId === approved.approvalId);
    expect(events.map((e) => [e.decision, e.detail?.event])).toEqual([
      ['held', 'requested'],
      ['approved', 'approved'],
    ]);
    expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i + 1));
  });

  it('holds no planted raw value, and no caller token, in any audit file', () => {
    const text = readAll(stack.auditDir);
    expect(text.length).toBeGreaterThan(0);
    for (const raw of [...RAW_FORMS, analystToken]) expect(text, raw.slice(0, 12)).not.toContain(raw);
    expect(text).toContain('[REDACTED:aws_access_key]'); // the masked forms are what is kept
  });

  it('verifies cleanly', async () => {
    const r = await audit(['verify', '--dir', stack.auditDir]);
    expect(r.out).toMatch(/^OK: 1 file\(s\), \d+ record\(s\)/m);
    expect(r.code).toBe(0);
  });

  it('replays the held session turn by turn, masked', async () => {
    const r = await audit(['replay', HOLD_SESSION, '--dir', stack.auditDir]);
    expect(r.code).toBe(0);
    const turns = [...r.out.matchAll(/^#(\d+) .* (exchange|approval) .*request (\S+)/gm)].map((m) => [Number(m[1]), m[2], m[3]]);
    expect(turns).toEqual([
      [1, 'exchange', 'e2e-hold-1'],
      [2, 'approval', 'e2e-hold-2'],
      [3, 'approval', 'e2e-hold-2'],
      [4, 'exchange', 'e2e-hold-2'],
    ]);
    expect(r.out).toContain(`Session ${HOLD_SESSION}`);
    expect(r.out).toMatch(/decision\s+approved · HTTP 200/);
    expect(r.out).toMatch(/approval\s+\S+ by rita/);
    expect(r.out).toContain('please export the customer table to s3://bucket');
    expect(r.out).toContain('[REDACTED:card]');
    for (const raw of RAW_FORMS) expect(r.out).not.toContain(raw);
  });

  // Each case edits a copy of the trail; `line` is the 1-based line verify must name.
  const tampers: Array<{ name: string; code: string; line: (n: number) => number; edit: (lines: string[]) => string }> = [
    {
      name: 'a field edited',
      code: 'hash_mismatch',
      line: () => 2,
      // With several HTTP threads, records of back-to-back requests may reach the chain in either order: edit line 2
      // whatever its status.
      edit: (l) => [l[0], l[1].replace(/"status":(\d+)/, (_m, d: string) => `"status":${Number(d) + 1}`), ...l.slice(2)].join('\n') + '\n',
    },
    { name: 'a line deleted', code: 'seq_gap', line: () => 3, edit: (l) => [...l.slice(0, 3 - 1), ...l.slice(3)].join('\n') + '\n' },
    { name: 'two lines swapped', code: 'seq_gap', line: () => 3, edit: (l) => [l[0], l[1], l[3], l[2], ...l.slice(4)].join('\n') + '\n' },
    {
      name: 'truncated mid-line',
      code: 'torn_line',
      line: (n) => n,
      edit: (l) => [...l.slice(0, -1), l.at(-1)!.slice(0, Math.floor(l.at(-1)!.length / 2))].join('\n'),
    },
    {
      // Line 4 edited and given a correct hash of its own; line 5 still links to the old one.
      name: 'a record replaced and re-hashed',
      code: 'prev_mismatch',
      line: () => 5,
      edit: (l) => [...reseal([...l.slice(0, 3), l[3].replace('"status":', '"status":1')], 3), ...l.slice(4)].join('\n') + '\n',
    },
  ];

  it.each(tampers)('verify catches $name, naming file:line', async ({ code, line, edit }) => {
    const dir = mkdtempSync(join(work, 'tamper-'));
    cpSync(stack.auditDir, dir, { recursive: true });
    const [file] = auditFiles(dir);
    const lines = readFileSync(join(dir, file), 'utf8').split('\n').filter((x) => x !== '');
    writeFileSync(join(dir, file), edit(lines));
    const r = await audit(['verify', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:${line(lines.length)}: error ${code}:`);
    expect(r.out).toMatch(/^FAILED: \d+ error\(s\)/m);
  });
});

describe('signed checkpoints (audit.signingKeyFile, checkpointEvery: 2)', () => {
  let stack: Stack;
  let keys: string;
  let pub: string;

  beforeAll(async () => {
    keys = mkdtempSync(join(tmpdir(), 'sluice-e2e-keys-'));
    const quiet: CliIo = { stdout: { write: () => true }, stderr: { write: () => true } };
    expect(await keysCommand(['generate', '--out', keys], quiet)).toBe(0);
    pub = join(keys, KEY_FILES.public);
    stack = await startStack({ config: { audit: { signingKeyFile: join(keys, KEY_FILES.private), checkpointEvery: 2 } } });
    const t = await stack.token(['analysts'], 'ann');
    for (let i = 0; i < 5; i++) expect((await chat(stack, t, `turn ${i}`)).status).toBe(200);
    await stack.sluice.close();
  });
  afterAll(async () => {
    await stack?.close();
    if (keys) rmSync(keys, { recursive: true, force: true });
  });

  it('verifies every signature with the public key', async () => {
    const cps = records(stack.auditDir).filter((r) => r.kind === 'checkpoint');
    expect(cps.length).toBeGreaterThanOrEqual(2);
    const r = await audit(['verify', '--dir', stack.auditDir, '--public-key', pub]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^OK: .*, ${cps.length} checkpoint\\(s\\), ${cps.length} signature\\(s\\) verified`, 'm'));
    expect(r.out).not.toContain('signatures_unchecked');
  });

  /** A copy of the trail as lines, and a writer for the edited copy. */
  function copyTrail(): { file: string; lines: string[]; save: (lines: string[]) => string } {
    const dir = mkdtempSync(join(keys, 'tamper-'));
    cpSync(stack.auditDir, dir, { recursive: true });
    const [file] = auditFiles(dir);
    const lines = readFileSync(join(dir, file), 'utf8').split('\n').filter((x) => x !== '');
    return { file, lines, save: (edited) => (writeFileSync(join(dir, file), edited.join('\n') + '\n'), dir) };
  }

  it('fails on a corrupted checkpoint signature even when the chain is re-hashed around it', async () => {
    const { file, lines, save } = copyTrail();
    // The last checkpoint: no later one signs the hashes re-computed after it, so only the key can tell.
    const at = lines.findLastIndex((l) => (JSON.parse(l) as Rec).kind === 'checkpoint');
    const cp = JSON.parse(lines[at]) as Rec;
    const jws = cp.checkpoint!.jws;
    // Flip one character of the signature (the third JWS part), keeping it valid base64url.
    const i = jws.lastIndexOf('.') + 5;
    const forged = `${jws.slice(0, i)}${jws[i] === 'A' ? 'B' : 'A'}${jws.slice(i + 1)}`;
    lines[at] = JSON.stringify({ ...cp, checkpoint: { ...cp.checkpoint, jws: forged } });
    const dir = save(reseal(lines, at));

    const unsigned = await audit(['verify', '--dir', dir]);
    expect(unsigned.code).toBe(0);
    expect(unsigned.out).toContain('warning signatures_unchecked');
    const r = await audit(['verify', '--dir', dir, '--public-key', pub]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:${at + 1}: error bad_signature:`);
  });

  it('catches history rewritten and re-hashed before a checkpoint, even without the key', async () => {
    const { file, lines, save } = copyTrail();
    const at = lines.findIndex((l) => (JSON.parse(l) as Rec).kind === 'checkpoint');
    const signed = (JSON.parse(lines[at]) as Rec & { checkpoint: { seq: number } }).checkpoint.seq;
    lines[signed - 1] = lines[signed - 1].replace('turn ', 'TURN ');
    const r = await audit(['verify', '--dir', save(reseal(lines, signed - 1))]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:${at + 1}: error checkpoint_mismatch:`);
  });
});
