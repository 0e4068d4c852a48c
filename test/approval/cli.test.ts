import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalsCommand, type CliIo } from '../../src/approval/cli.js';
import { createContext } from '../../src/context.js';
import { cancellation, harness, rejection, requestCtx, verdict, type Harness } from './helpers.js';

let h: Harness;
let server: Server;
let url: string;

// The reviewer API behind a real socket, the way the gateway serves it (path with its query).
beforeAll(async () => {
  h = harness();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const ctx = createContext({ id: 'cli', method: req.method!, path: req.url!, headers, remoteAddress: '127.0.0.1' });
      const out = (await h.approvals.handle(ctx, new Uint8Array(Buffer.concat(chunks)))) ?? { status: 404, body: { error: { code: 'X', message: 'no' } } };
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h.close();
  await new Promise<void>((r) => server.close(() => r()));
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), env };
  const code = await approvalsCommand(args, io);
  return { code, out, err };
}

async function ticket(token = 'tok-agent', content = 'export \u001b[31mnow'): Promise<string> {
  const body = JSON.stringify({ messages: [{ role: 'user', content }] });
  const e = await rejection(h.approvals.await(requestCtx({ token, body }), verdict('ticket'), cancellation().register));
  return e.details.approval_id;
}

describe('sluice approvals', () => {
  it('lists, shows, approves with a grant and denies through the API', async () => {
    const a = await ticket();
    const b = await ticket('tok-etl');

    const list = await run(['list', '--url', url, '--token', 'tok-rev']);
    expect(list.code).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+STATUS\s+MODE\s+CREATED\s+SUBJECT\s+JOB\s+RULE\s+MODEL\s+FINDINGS$/);
    expect(list.out).toContain(a);
    expect(list.out).toContain(b);
    expect(list.out).toContain('email×2');

    const show = await run(['show', a, '--url', url], { SLUICE_TOKEN: 'tok-rev' });
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/^id:\s+\S+$/m);
    expect(show.out).toContain('prompt (masked):\n  user: export \\u001b[31mnow');
    expect(show.out).not.toContain('\u001b');

    const ok = await run(['approve', a, '--comment', 'fine', '--grant-minutes', '15', '--url', url, '--token', 'tok-rev']);
    expect(ok).toMatchObject({ code: 0, out: `approved ${a} (standing grant for job graph-a on rule agents: 15 min)\n` });
    const no = await run(['deny', b, '--comment', 'not now', '--url', url, '--token', 'tok-rev']);
    expect(no).toMatchObject({ code: 0, out: `denied ${b}\n` });
    expect(await h.approvals.store.get(b)).toMatchObject({ status: 'denied', comment: 'not now', reviewer: 'rita' });

    const json = await run(['list', '--status', 'all', '--json', '--url', url, '--token', 'tok-rev']);
    expect(JSON.parse(json.out).approvals.map((x: { status: string }) => x.status)).toEqual(['approved', 'denied']);
  });

  it('reports API refusals with their status and code (exit 1)', async () => {
    const a = await ticket('tok-etl', 'third'); // graph-a now holds a standing grant from the test above
    expect(await run(['approve', a, '--url', url, '--token', 'tok-analyst'])).toMatchObject({
      code: 1,
      err: 'sluice approvals: 403 SLUICE_FORBIDDEN: Only members of the reviewer groups may use the approvals API\n',
    });
    expect((await run(['show', 'nope', '--url', url, '--token', 'tok-rev'])).err).toContain('404 SLUICE_NOT_FOUND');
  });

  it.each([
    [[], 'a command is required'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['show'], 'show needs an approval id'],
    [['deny', 'x'], 'deny needs --comment'],
    [['approve', 'x', '--grant-minutes', 'soon'], '--grant-minutes must be a positive integer'],
    [['deny', 'x', '--comment', 'c', '--grant-minutes', '5'], '--grant-minutes only applies to approve'],
    [['list', 'extra'], 'unexpected argument "extra"'],
  ])('usage error %j (exit 2)', async (args, message) => {
    const r = await run([...args, '--token', 't']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(`sluice approvals: ${message}`);
  });

  it('needs a credential', async () => {
    expect((await run(['list', '--url', url])).err).toContain('no credential: pass --token or set SLUICE_TOKEN');
  });

  it('says when the API cannot be reached (exit 1)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await run(['list', '--url', `http://127.0.0.1:${port}`, '--token', 'tok-rev']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot reach');
    expect(r.err).not.toContain('tok-rev');
  });
});
