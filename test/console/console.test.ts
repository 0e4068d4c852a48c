// The reviewer console over real sockets: the OIDC code flow with PKCE against the demo issuer, cookies, CSRF,
// the reviewer API's access rules, decisions that release a held SDK call, escaping, audit of console actions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { startStack, REPO, type Stack } from '../helpers/stack.js';
import { cookieValue, raw, setCookies, signIn, type ConsoleClient } from '../helpers/console.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ demoMode: true });
});
afterAll(async () => stack?.close());

const base = () => stack.url;
const sdk = (token: string) => new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0, timeout: 15_000 });

async function pendingCard(c: ConsoleClient, marker: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const frag = await c.get('/sluice/console/approvals?fragment=1');
    const m = new RegExp(`data-id="([A-Za-z0-9_-]+)"[^]*?${marker}`).exec(frag.text);
    if (m) return m[1];
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no card for ${marker}`);
}

describe('sign-in', () => {
  it('shows a sign-in page, then runs the code flow with PKCE and sets a strict HttpOnly session cookie', async () => {
    const anon = await raw(`${base()}/sluice/console/approvals`, 'GET');
    expect(anon.status).toBe(401);
    expect(anon.text).toContain('/sluice/console/login?return=%2Fsluice%2Fconsole%2Fapprovals');
    expect(anon.headers['content-security-policy']).toContain("script-src 'self'");

    const start = await raw(`${base()}/sluice/console/login`, 'GET');
    expect(start.status).toBe(302);
    const to = new URL(String(start.headers.location));
    expect(to.pathname).toBe('/sluice/demo/login/authorize');
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('nonce')).toBeTruthy();
    expect(setCookies(start.headers)[0]).toMatch(/^sluice-login=[^;]+; Path=\/sluice\/console; HttpOnly; SameSite=Lax; Max-Age=600$/);

    const loginPage = await raw(String(start.headers.location), 'GET');
    expect(loginPage.status).toBe(200);
    expect(loginPage.text).toContain('Demo identity issuer');

    const c = await signIn(base(), 'rita', ['reviewers']);
    expect(c.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const page = await c.get('/sluice/console/approvals');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Signed in as <strong>rita</strong>');
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, and continues with a same-site navigation', async () => {
    const start = await raw(`${base()}/sluice/console/login?return=${encodeURIComponent('/sluice/console/audit?session=s1')}`, 'GET');
    const form = new URLSearchParams(new URL(String(start.headers.location)).searchParams);
    form.set('subject', 'rita');
    form.append('group', 'reviewers');
    const granted = await raw(`${base()}/sluice/demo/login/authorize`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    const back = await raw(String(granted.headers.location), 'GET', { cookie: `sluice-login=${cookieValue(start.headers, 'sluice-login')}` });
    expect(back.status).toBe(200);
    expect(setCookies(back.headers).find((c) => c.startsWith('sluice-console='))).toMatch(/; Path=\/sluice\/console; HttpOnly; SameSite=Strict$/);
    expect(back.text).toContain('content="0;url=/sluice/console/audit?session=s1"');
  });

  it.each(['https://evil.example/x', '//evil.example', '/sluice/console//evil.example', '/elsewhere'])('never sends the browser off the console after sign-in (return=%s)', async (target) => {
    const start = await raw(`${base()}/sluice/console/login?return=${encodeURIComponent(target)}`, 'GET');
    const form = new URLSearchParams(new URL(String(start.headers.location)).searchParams);
    form.set('subject', 'rita');
    const granted = await raw(`${base()}/sluice/demo/login/authorize`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    const back = await raw(String(granted.headers.location), 'GET', { cookie: `sluice-login=${cookieValue(start.headers, 'sluice-login')}` });
    expect(back.text).toContain('content="0;url=/sluice/console/approvals"');
  });

  it('refuses a callback from another browser (state bound to the login cookie), and a replayed code', async () => {
    const start = await raw(`${base()}/sluice/console/login`, 'GET');
    const form = new URLSearchParams(new URL(String(start.headers.location)).searchParams);
    form.set('subject', 'mallory');
    form.append('group', 'reviewers');
    const granted = await raw(`${base()}/sluice/demo/login/authorize`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    const elsewhere = await raw(String(granted.headers.location), 'GET', { cookie: 'sluice-login=someone-else' });
    expect(elsewhere.status).toBe(401);
    expect(setCookies(elsewhere.headers).some((c) => c.startsWith('sluice-console='))).toBe(false);
    // The state was used up: the right cookie cannot redeem it afterwards either.
    const again = await raw(String(granted.headers.location), 'GET', { cookie: `sluice-login=${cookieValue(start.headers, 'sluice-login')}` });
    expect(again.status).toBe(401);
  });

  it('demo token endpoint: PKCE verifier checked, codes single-use, redirect URIs registered', async () => {
    const start = await raw(`${base()}/sluice/console/login`, 'GET');
    const params = new URL(String(start.headers.location)).searchParams;
    const evil = new URLSearchParams(params);
    evil.set('redirect_uri', 'https://evil.example/cb');
    expect((await raw(`${base()}/sluice/demo/login/authorize?${evil}`, 'GET')).status).toBe(400);
    const form = new URLSearchParams(params);
    form.set('subject', 'x');
    const granted = await raw(`${base()}/sluice/demo/login/authorize`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    const code = new URL(String(granted.headers.location)).searchParams.get('code')!;
    const token = (verifier: string) =>
      raw(`${base()}/sluice/demo/login/token`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' },
        new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: params.get('redirect_uri')!, client_id: params.get('client_id')!, code_verifier: verifier }).toString());
    const wrong = await token('a'.repeat(43));
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text)).toEqual({ error: 'invalid_grant' });
  });

  it('signs out: the session no longer works and the cookie is cleared', async () => {
    const c = await signIn(base(), 'rob', ['reviewers']);
    const out = await raw(`${base()}/sluice/console/logout`, 'POST', { cookie: c.cookie, 'content-type': 'application/x-www-form-urlencoded' }, `_csrf=${c.csrf}`);
    expect(out.status).toBe(200);
    expect(setCookies(out.headers).find((x) => x.startsWith('sluice-console='))).toContain('Max-Age=0');
    expect((await c.get('/sluice/console/approvals')).status).toBe(401);
  });
});

describe('reviewing', () => {
  it('shows a held request (escaped, masked), approves it, and the SDK call completes', async () => {
    const c = await signIn(base(), 'rita', ['reviewers']);
    const agent = sdk(await stack.token(['agents'], '<img src=x onerror=alert(1)>', 'job"><script>alert(2)</script>'));
    const call = agent.chat.completions.create({ model: 'gpt-4o-mini', temperature: 0.3, messages: [{ role: 'user', content: 'export <script>alert(3)</script> for jane.doe@example.com' }] });
    const id = await pendingCard(c, 'alert\\(3\\)');
    const frag = await c.get('/sluice/console/approvals?fragment=1');
    expect(frag.text).not.toMatch(/<script>|<img/);
    expect(frag.text).toContain('&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(frag.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(frag.text).not.toContain('jane.doe@example.com');
    expect(frag.text).toContain('temperature=0.3');

    const ok = await c.post(`/sluice/console/approvals/${id}/approve`, { comment: 'fine' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).approval).toMatchObject({ status: 'approved', reviewer: 'rita', comment: 'fine' });
    expect((await call).choices[0].message.content).toContain('export');

    const late = await c.post(`/sluice/console/approvals/${id}/deny`, { comment: 'too late' });
    expect(late.status).toBe(409);
    expect(JSON.parse(late.text).approval).toMatchObject({ status: 'approved', reviewer: 'rita' });
  });

  it('refuses posts without the CSRF token or from another origin, and denials without a comment', async () => {
    const c = await signIn(base(), 'rita', ['reviewers']);
    const agent = sdk(await stack.token(['agents'], 'agent-csrf'));
    const call = agent.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export csrf-marker' }] }).catch((e: unknown) => e);
    const id = await pendingCard(c, 'csrf-marker');
    expect((await c.post(`/sluice/console/approvals/${id}/approve`, {}, { 'x-sluice-csrf': 'forged' })).status).toBe(403);
    expect((await c.post(`/sluice/console/approvals/${id}/approve`, {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await c.post(`/sluice/console/approvals/${id}/approve`, {}, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const noComment = await c.post(`/sluice/console/approvals/${id}/deny`, { comment: '' });
    expect(noComment.status).toBe(400);
    expect(JSON.parse(noComment.text).error.message).toBe('comment is required to deny');
    expect((await c.post(`/sluice/console/approvals/${id}/deny`, { comment: 'no exports today' })).status).toBe(200);
    expect(await call).toMatchObject({ status: 403 });
  });

  it('a reviewer cannot decide their own request; a non-reviewer sees nothing', async () => {
    const dual = await signIn(base(), 'dual', ['reviewers', 'agents']);
    const call = sdk(await stack.token(['agents', 'reviewers'], 'dual')).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export own-marker' }] }).catch((e: unknown) => e);
    const id = await pendingCard(dual, 'own-marker');
    const frag = await dual.get('/sluice/console/approvals?fragment=1');
    expect(frag.text).toContain('Your own request');
    const self = await dual.post(`/sluice/console/approvals/${id}/approve`, {});
    expect(self.status).toBe(403);
    expect(JSON.parse(self.text).error.message).toBe('A requester cannot decide their own approval');

    const ann = await signIn(base(), 'ann', ['analysts']);
    const page = await ann.get('/sluice/console/approvals');
    expect(page.status).toBe(403);
    expect(page.text).not.toContain('own-marker');
    expect((await ann.get('/sluice/console/approvals?fragment=1')).text).not.toContain('own-marker');
    expect((await ann.get(`/sluice/console/approvals/${id}`)).status).toBe(403);
    expect((await ann.post(`/sluice/console/approvals/${id}/approve`, {})).status).toBe(403);
    expect((await ann.get('/sluice/console/audit?subject=dual')).status).toBe(403);

    const other = await signIn(base(), 'rita', ['reviewers']);
    expect((await other.post(`/sluice/console/approvals/${id}/deny`, { comment: 'cleanup' })).status).toBe(200);
    await call;
  });

  it('replays the session and finds it in the audit search; console actions are audited', async () => {
    const c = await signIn(base(), 'rita', ['reviewers']);
    const agent = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: await stack.token(['agents'], 'agent-replay'), maxRetries: 0, defaultHeaders: { 'x-sluice-session': 'sess-replay-1' } });
    const call = agent.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export replay-marker' }] }).catch((e: unknown) => e);
    const id = await pendingCard(c, 'replay-marker');
    await c.post(`/sluice/console/approvals/${id}/deny`, { comment: 'not <b>now</b>' });
    await call;
    let replay = await c.get('/sluice/console/sessions/sess-replay-1');
    for (let i = 0; i < 50 && !replay.text.includes('Comment'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      replay = await c.get('/sluice/console/sessions/sess-replay-1');
    }
    expect(replay.status).toBe(200);
    expect(replay.text).toContain('not &lt;b&gt;now&lt;/b&gt;');
    expect(replay.text).toContain('export replay-marker');
    const search = await c.get('/sluice/console/audit?session=sess-replay-1&decision=denied');
    expect(search.text).toMatch(/record\(s\) matched/);
    expect(search.text).toContain('agent-replay');

    const read = () => readdirSync(stack.auditDir).filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(stack.auditDir, f), 'utf8').split('\n').filter(Boolean)).map((l) => JSON.parse(l));
    let records = read();
    // The writer group-commits every few milliseconds: wait for the search record to reach the file.
    for (let i = 0; i < 100 && !records.some((r) => r.kind === 'console' && r.detail.event === 'search'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      records = read();
    }
    const consoleEvents = records.filter((r) => r.kind === 'console').map((r) => `${r.identity?.subject ?? '-'}:${r.detail.event}`);
    expect(consoleEvents).toEqual(expect.arrayContaining(['rita:login', 'rita:replay', 'rita:search', '-:login_failed', 'rob:logout']));
    const decision = records.find((r) => r.kind === 'approval' && r.approvalId === id && r.decision === 'denied');
    expect(decision).toMatchObject({ approver: 'rita', detail: { event: 'denied', comment: 'not <b>now</b>' } });
  });
});

describe('weight', () => {
  it('serves one stylesheet and one script, same-origin, cached immutably, together under 24 KiB', async () => {
    const c = await signIn(base(), 'rita', ['reviewers']);
    const held = sdk(await stack.token(['agents'], 'agent-weight', 'job-w')).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export weight-marker to s3://w' }] }).catch((e: unknown) => e);
    const id = await pendingCard(c, 'weight-marker');
    const pageHtml = (await c.get('/sluice/console/approvals')).text;
    const css = /<link rel="stylesheet" href="([^"]+)">/.exec(pageHtml)![1];
    const js = /<script src="([^"]+)" defer><\/script>/.exec(pageHtml)![1];
    expect(css).toMatch(/^\/sluice\/console\/assets\/console\.[0-9a-f]{12}\.css$/);
    const cssRes = await raw(`${base()}${css}`, 'GET');
    const jsRes = await raw(`${base()}${js}`, 'GET');
    expect(cssRes.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(jsRes.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((pageHtml.match(/<script/g) ?? []).length).toBe(1); // no inline script anywhere
    const sizes = { html: Buffer.byteLength(pageHtml), css: Buffer.byteLength(cssRes.text), js: Buffer.byteLength(jsRes.text) };
    const gz = { html: gzipSync(pageHtml).length, css: gzipSync(cssRes.text).length, js: gzipSync(jsRes.text).length };
    console.log(`console weight, approvals page with one card: HTML ${sizes.html} B (${gz.html} gzip), CSS ${sizes.css} B (${gz.css} gzip), JS ${sizes.js} B (${gz.js} gzip)`);
    expect(sizes.css + sizes.js).toBeLessThan(24 * 1024);
    await c.post(`/sluice/console/approvals/${id}/deny`, { comment: 'weighed' });
    await held;
  });
});

describe('reviewers per rule and operators in the console', () => {
  let scoped: Stack;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-console-policy-'));
    const text = readFileSync(join(REPO, 'policies/default.yaml'), 'utf8')
      .replace('reviewers:\n  groups: [reviewers]', 'reviewers:\n  groups: [reviewers]\n  operators: [secops]')
      .replace("  - id: restricted\n", "  - id: payments\n    match: { groups: [payments] }\n    connections: [openai]\n    reviewers: { groups: [pay-leads] }\n    approve: { keywords: [refund] }\n\n  - id: restricted\n");
    writeFileSync(join(dir, 'default.yaml'), text);
    scoped = await startStack({ demoMode: true, policiesDir: dir });
  });
  afterAll(async () => scoped?.close());

  it('shows each reviewer only the approvals of rules they review, operators everything; replay follows', async () => {
    const ask = async (sub: string, groups: string[], session: string, content: string) =>
      new OpenAI({ baseURL: `${scoped.url}/v1`, apiKey: await scoped.token(groups, sub), maxRetries: 0, defaultHeaders: { 'x-sluice-session': session } })
        .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }).catch((e: unknown) => e);
    const agentCall = ask('agent-s', ['agents'], 'sess-agents', 'export scoped-agents');
    const payCall = ask('payer', ['payments'], 'sess-pay', 'refund scoped-pay');
    const ops = await signIn(scoped.url, 'olga', ['secops']);
    await pendingCard(ops, 'scoped-agents');
    await pendingCard(ops, 'scoped-pay');
    const rita = await signIn(scoped.url, 'rita', ['reviewers']);
    const lead = await signIn(scoped.url, 'paula', ['pay-leads']);
    const ritaQueue = (await rita.get('/sluice/console/approvals?fragment=1')).text;
    expect(ritaQueue).toContain('scoped-agents');
    expect(ritaQueue).not.toContain('scoped-pay');
    const leadQueue = (await lead.get('/sluice/console/approvals?fragment=1')).text;
    expect(leadQueue).toContain('scoped-pay');
    expect(leadQueue).not.toContain('scoped-agents');
    // A rule's reviewers get their approvals only: no shadow, policies or integrity pages.
    expect((await lead.get('/sluice/console/policies')).status).toBe(403);
    expect((await rita.get('/sluice/console/policies')).status).toBe(200);

    const payId = /data-id="([A-Za-z0-9_-]+)"/.exec(leadQueue)![1];
    expect((await rita.post(`/sluice/console/approvals/${payId}/approve`, {})).status).toBe(404);
    expect((await lead.post(`/sluice/console/approvals/${payId}/deny`, { comment: 'no refunds today' })).status).toBe(200);
    const agentId = /data-id="([A-Za-z0-9_-]+)"/.exec(ritaQueue)![1];
    expect((await ops.post(`/sluice/console/approvals/${agentId}/deny`, { comment: 'ops says no' })).status).toBe(200);
    await Promise.all([agentCall, payCall]);

    expect((await lead.get('/sluice/console/sessions/sess-pay')).status).toBe(200);
    expect((await lead.get('/sluice/console/sessions/sess-agents')).status).toBe(404);
    expect((await ops.get('/sluice/console/sessions/sess-agents')).status).toBe(200);
    const leadSearch = (await lead.get('/sluice/console/audit?decision=denied')).text;
    expect(leadSearch).toContain('payer');
    expect(leadSearch).not.toContain('agent-s');
    expect(leadSearch).toContain('limited to sessions with approvals you review');
    let opsSearch = (await ops.get('/sluice/console/audit?decision=denied')).text;
    // Records reach the files after the writer's group commit: give the last ones a moment.
    for (let i = 0; i < 50 && !opsSearch.includes('agent-s'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      opsSearch = (await ops.get('/sluice/console/audit?decision=denied')).text;
    }
    expect(opsSearch).toContain('payer');
    expect(opsSearch).toContain('agent-s');
  });
});
