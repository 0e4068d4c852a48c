// The reviewer console in a real headless Chromium: sign in through the demo issuer, watch a held request appear,
// approve it and see the OpenAI SDK call complete, deny another with a reason and replay its session, conflicts,
// keyboard shortcuts, no rights → nothing shown, no self-approval, and an XSS corpus that never runs.
// Set SLUICE_SCREENSHOTS=docs/console to refresh the screenshots in docs/console.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startStack, REPO, type Stack } from '../helpers/stack.js';
import { launchBrowser, type TestBrowser, type WatchedPage } from '../helpers/browser.js';
import { signIn } from '../helpers/console.js';

let stack: Stack;
let chrome: TestBrowser;
const shots = process.env.SLUICE_SCREENSHOTS ? join(REPO, process.env.SLUICE_SCREENSHOTS) : undefined;

beforeAll(async () => {
  chrome = await launchBrowser();
  // Signed checkpoints, so the integrity page has one to show.
  const keyDir = mkdtempSync(join(tmpdir(), 'sluice-console-keys-'));
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(keyDir, 'audit.key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  stack = await startStack({
    demoMode: true,
    config: {
      egress: { enabled: true, host: '127.0.0.1', port: 0 },
      audit: { signingKeyFile: join(keyDir, 'audit.key.pem'), checkpointEvery: 5 },
      console: { shadowLogs: [join(REPO, 'test/fixtures/shadow/squid-access.log'), join(REPO, 'test/fixtures/shadow/nginx-access.log')] },
    },
  });
  if (shots) mkdirSync(shots, { recursive: true });
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  await stack?.close();
});

/** Payloads that set window.__xss (or call alert) if any of them is ever parsed as markup or script. */
const XSS = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=2">',
  '"><svg onload=window.__xss=3>',
  "'><iframe srcdoc=\"<script>parent.__xss=4</script>\"></iframe>",
  '</textarea></pre><script>alert(5)</script>',
  '<a href="javascript:window.__xss=6">click</a>',
];

async function shot(w: WatchedPage, name: string): Promise<void> {
  if (shots) await w.page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const client = (token: string, headers: Record<string, string> = {}) =>
  new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0, timeout: 30_000, defaultHeaders: headers });

async function signInUi(subject: string, groups: string[], viewport?: { width: number; height: number }): Promise<WatchedPage> {
  const w = await chrome.page(viewport);
  const { page } = w;
  await page.goto(`${stack.url}/sluice/console`);
  await page.waitForSelector('a.button');
  if (subject === 'rita' && groups.includes('reviewers')) await shot(w, 'sign-in');
  await Promise.all([page.waitForNavigation(), page.click('a.button')]);
  await page.waitForSelector('#subject');
  await page.evaluate(`(() => {
    const want = ${JSON.stringify(groups)};
    document.querySelector('#subject').value = ${JSON.stringify(subject)};
    for (const box of document.querySelectorAll('input[name=group]')) box.checked = want.includes(box.value);
    document.querySelector('#more').value = want.filter((g) => !document.querySelector('input[name=group][value="' + g + '"]')).join(' ');
  })()`);
  if (subject === 'rita' && groups.includes('reviewers')) await shot(w, 'demo-login');
  await page.click('button[type=submit]');
  await page.waitForFunction("location.pathname === '/sluice/console/approvals' && document.querySelector('main h1') !== null", { timeout: 10_000 });
  return w;
}

/** Waits (in the page, through the 2 s polling) for a card whose text contains `marker`; returns its id. */
async function cardFor(w: WatchedPage, marker: string): Promise<string> {
  const handle = await w.page.waitForFunction(
    `(() => { const c = [...document.querySelectorAll('#queue .card[data-id]')].find((c) => c.textContent.includes(${JSON.stringify(marker)})); return c && c.dataset.id; })()`,
    { timeout: 10_000, polling: 100 },
  );
  return (await handle.jsonValue()) as string;
}

async function expectInert(w: WatchedPage): Promise<void> {
  expect(await w.xss()).toBe(0);
  expect(w.dialogs).toEqual([]);
  expect(await w.violations()).toEqual([]);
  expect(await w.page.evaluate("document.querySelectorAll('main script, main img, main svg, main iframe, main a[href^=javascript]').length")).toBe(0);
}

describe('reviewer console in Chromium', () => {
  it('signs in through the demo issuer, sees a held request appear, approves it, and the SDK call completes', async () => {
    const w = await signInUi('rita', ['reviewers']);
    expect(await w.page.$eval('.me strong', (el) => el.textContent)).toBe('rita');
    await shot(w, 'approvals-empty');

    const agent = client(await stack.token(['agents'], 'agent-007', 'lg-export'), { 'x-sluice-session': 'graph-run-42', 'x-sluice-justification': 'INC-2291: customer asked for their data' });
    const started = Date.now();
    const call = agent.chat.completions.create({ model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 300, messages: [{ role: 'user', content: 'Please export the churn table for jane.doe@example.com to s3://analytics/churn' }] });
    const id = await cardFor(w, 'churn table');
    const seenAfter = Date.now() - started;
    expect(seenAfter).toBeLessThan(4000); // the queue polls every 2 s
    const card = `.card[data-id="${id}"]`;
    const text = await w.page.$eval(card, (el) => el.textContent ?? '');
    for (const s of ['agent-007', 'lg-export', 'graph-run-42', 'agents', 'INC-2291', 'email×1', 'gpt-4o-mini', 'temperature=0.2', 'max_tokens=300']) expect(text).toContain(s);
    expect(text).not.toContain('jane.doe@example.com');
    await shot(w, 'approvals');

    await w.page.type(`${card} input[name=comment]`, 'one-off export for INC-2291');
    const clicked = Date.now();
    await w.page.click(`${card} button.approve`);
    const res = await call;
    const releasedMs = Date.now() - clicked;
    expect(res.choices[0].message.content).toContain('churn table');
    expect(releasedMs).toBeLessThan(1000);
    await w.page.waitForFunction(`document.querySelector('${card} .result').textContent.includes('Approved by you')`);
    await expectInert(w);
    console.log(`held request visible ${seenAfter} ms after the call; client released ${releasedMs} ms after the click`);
  });

  it('denies another with a required comment, then opens its session replay', async () => {
    const w = await signInUi('rita', ['reviewers']);
    const agent = client(await stack.token(['agents'], 'agent-deny'), { 'x-sluice-session': 'sess-deny-7' });
    const call = agent.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'run terraform apply on prod now' }] }).catch((e: unknown) => e);
    const id = await cardFor(w, 'terraform apply');
    const card = `.card[data-id="${id}"]`;
    // The reason is required: the browser refuses to submit an empty one.
    await w.page.click(`${card} button.deny`);
    expect(await w.page.$eval(`${card} textarea`, (el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).toBe(true);
    await w.page.type(`${card} textarea`, 'not on prod without a change ticket');
    await w.page.click(`${card} button.deny`);
    expect(await call).toMatchObject({ status: 403, code: 'SLUICE_APPROVAL_DENIED' });
    await w.page.waitForFunction(`document.querySelector('${card} .result').textContent.includes('Denied by you')`);

    await Promise.all([w.page.waitForNavigation(), w.page.click(`${card} a[href*="/sessions/"]`)]);
    expect(w.page.url()).toContain('/sluice/console/sessions/sess-deny-7');
    await w.page.waitForFunction("document.querySelectorAll('article.turn').length >= 2");
    const replay = await w.page.$eval('main', (el) => el.textContent ?? '');
    expect(replay).toContain('not on prod without a change ticket');
    expect(replay).toContain('run terraform apply on prod now');
    expect(replay).toMatch(/denied/);
    await shot(w, 'session-replay');

    await w.page.goto(`${stack.url}/sluice/console/audit?session=sess-deny-7`);
    expect(await w.page.$eval('main', (el) => el.textContent ?? '')).toContain('agent-deny');
    await shot(w, 'audit-search');
    await expectInert(w);
  });

  it('shows a conflict instead of overwriting when another reviewer decided first; keyboard shortcuts approve', async () => {
    const w = await signInUi('rita', ['reviewers']);
    const rob = await signIn(stack.url, 'rob', ['reviewers']);
    const call1 = client(await stack.token(['agents'], 'agent-race')).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export race-one' }] }).catch((e: unknown) => e);
    const id1 = await cardFor(w, 'race-one');
    await rob.post(`/sluice/console/approvals/${id1}/deny`, { comment: 'rob was faster' });
    await w.page.click(`.card[data-id="${id1}"] button.approve`);
    await w.page.waitForFunction(`document.querySelector('.card[data-id="${id1}"] .result').textContent.includes('Already denied by rob')`);
    expect(await call1).toMatchObject({ status: 403 });

    const call2 = client(await stack.token(['agents'], 'agent-keys')).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export keyboard-two' }] });
    const id2 = await cardFor(w, 'keyboard-two');
    await w.page.focus('body');
    // j moves to the next live card until the new one is selected, then a approves it.
    for (let i = 0; i < 5 && !(await w.page.$(`.card.sel[data-id="${id2}"]`)); i++) await w.page.keyboard.press('j');
    expect(await w.page.$(`.card.sel[data-id="${id2}"]`)).not.toBeNull();
    await w.page.keyboard.press('a');
    expect((await call2).choices[0].message.content).toContain('keyboard-two');
  });

  it('a reviewer cannot approve their own request; a non-reviewer sees nothing', async () => {
    const w = await signInUi('dual', ['reviewers', 'agents']);
    const own = client(await stack.token(['agents', 'reviewers'], 'dual')).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export own-request' }] }).catch((e: unknown) => e);
    const id = await cardFor(w, 'own-request');
    const card = `.card[data-id="${id}"]`;
    expect(await w.page.$eval(card, (el) => el.textContent ?? '')).toContain('Your own request');
    expect(await w.page.$eval(`${card} button.approve`, (el) => (el as unknown as { disabled: boolean }).disabled)).toBe(true);
    // Even a forged post from the page is refused by the server.
    const forced = await w.page.evaluate(`fetch('/sluice/console/approvals/${id}/approve', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-sluice-csrf': document.querySelector('meta[name="sluice-csrf"]').content }, body: '{}' }).then((r) => r.status)`);
    expect(forced).toBe(403);

    const ann = await signInUi('ann', ['analysts']);
    const text = await ann.page.$eval('main', (el) => el.textContent ?? '');
    expect(text).toContain('Nothing to see here');
    expect(await ann.page.$$('.card')).toHaveLength(0);
    expect(await ann.page.$$('nav a')).toHaveLength(0);
    await shot(ann, 'no-rights');
    const rita = await signIn(stack.url, 'rita', ['reviewers']);
    await rita.post(`/sluice/console/approvals/${id}/deny`, { comment: 'cleanup' });
    await own;
  });

  it('renders the XSS corpus inert in prompts, justifications, job names and subjects on every page', async () => {
    const w = await signInUi('rita', ['reviewers']);
    const calls: Array<Promise<unknown>> = [];
    for (const [i, p] of XSS.entries()) {
      const agent = client(await stack.token(['agents'], `subj-${i}-${p}`, `job-${i}-${p}`), { 'x-sluice-session': `xss-${i}`, 'x-sluice-justification': `why ${p}` });
      calls.push(agent.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `export marker-${i} ${p}` }] }).catch((e: unknown) => e));
    }
    for (let i = 0; i < XSS.length; i++) await cardFor(w, `marker-${i}`);
    await expectInert(w);
    const shown = await w.page.$eval('#queue', (el) => el.textContent ?? '');
    for (const p of XSS) expect(shown).toContain(p); // shown as text, verbatim
    const ids = (await w.page.$$eval('#queue .card[data-id]', (els) => els.map((e) => (e as unknown as { dataset: { id: string } }).dataset.id))) as string[];

    await w.page.goto(`${stack.url}/sluice/console/approvals/${ids[ids.length - 1]}`);
    await expectInert(w);
    await shot(w, 'approval-detail');
    const rita = await signIn(stack.url, 'rita', ['reviewers']);
    for (const id of ids) await rita.post(`/sluice/console/approvals/${id}/deny`, { comment: `no ${XSS[0]}` });
    await Promise.all(calls);
    for (const [i] of XSS.entries()) {
      await w.page.goto(`${stack.url}/sluice/console/sessions/xss-${i}`);
      await w.page.waitForSelector('article.turn');
      await expectInert(w);
    }
    await w.page.goto(`${stack.url}/sluice/console/audit?decision=denied`);
    expect(await w.page.$eval('main', (el) => el.textContent ?? '')).toContain(XSS[1]);
    await expectInert(w);
  });

  it('shows shadow AI, policies with explain, and audit integrity; readable on a phone', async () => {
    const w = await signInUi('rita', ['reviewers']);
    // A job that bypasses the gateway through the egress proxy, and the configured proxy logs.
    const refused = await new Promise<string>((resolve, reject) => {
      const s = connect(stack.sluice.egress!.port, '127.0.0.1', () => s.write('CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n'));
      s.once('data', (d) => {
        resolve(d.toString().split('\r\n')[0]);
        s.destroy();
      });
      s.once('error', reject);
    });
    expect(refused).toContain('403');
    await w.page.goto(`${stack.url}/sluice/console/shadow`);
    expect(await w.page.$eval('main h1', (el) => el.textContent)).toBe('Shadow AI');
    await Promise.all([w.page.waitForNavigation(), w.page.click('form[action$="/shadow/scan"] button')]);
    const shadow = await w.page.$eval('main', (el) => el.textContent ?? '');
    expect(shadow).toContain('api.openai.com');
    expect(shadow).toMatch(/[1-9]\d* shadow call\(s\)/);
    await shot(w, 'shadow');
    await w.page.goto(`${stack.url}/sluice/console/policies`);
    await w.page.type('#x-subject', '');
    await Promise.all([w.page.waitForNavigation(), w.page.click('form[action$="/policies/explain#explain"] button')]);
    const explained = await w.page.$eval('pre[aria-label=Explanation]', (el) => el.textContent ?? '');
    expect(explained).toContain('Decision: APPROVE');
    await shot(w, 'policies');
    await w.page.goto(`${stack.url}/sluice/console/integrity`);
    const integrity = await w.page.$eval('main', (el) => el.textContent ?? '');
    expect(integrity).toContain('Intact');
    expect(integrity).toMatch(/Signaturevalid/);
    await shot(w, 'integrity');
    await expectInert(w);

    const phone = await signInUi('rita', ['reviewers'], { width: 390, height: 844 });
    const call = client(await stack.token(['agents'], 'agent-phone', 'nightly-etl')).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export phone-view to s3://x' }] }).catch((e: unknown) => e);
    const id = await cardFor(phone, 'phone-view');
    // Nothing wider than the screen: no horizontal scrolling on a phone.
    expect(await phone.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shot(phone, 'approvals-phone');
    const rita = await signIn(stack.url, 'rita', ['reviewers']);
    await rita.post(`/sluice/console/approvals/${id}/deny`, { comment: 'done' });
    await call;
  });

  it('passes axe-core\'s WCAG 2 A/AA checks (labels, contrast, landmarks) on every page, light and dark', async () => {
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const w = await signInUi('rita', ['reviewers']);
    // axe is injected as a script, which the console's CSP would (rightly) refuse: bypass it for this audit only.
    await w.page.setBypassCSP(true);
    const held = client(await stack.token(['agents'], 'agent-a11y', 'job-a11y'), { 'x-sluice-session': 'sess-a11y', 'x-sluice-justification': 'accessibility check' })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export a11y-marker to s3://x' }] }).catch((e: unknown) => e);
    await w.page.goto(`${stack.url}/sluice/console/approvals`);
    const id = await cardFor(w, 'a11y-marker');
    const pages = ['/sluice/console/approvals', `/sluice/console/approvals/${id}`, '/sluice/console/sessions/sess-deny-7', '/sluice/console/audit?decision=denied',
      '/sluice/console/shadow', '/sluice/console/policies', '/sluice/console/integrity'];
    const problems: string[] = [];
    for (const scheme of ['light', 'dark']) {
      await w.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      for (const path of pages) {
        await w.page.goto(`${stack.url}${path}`);
        await w.page.addScriptTag({ content: axe });
        const found = (await w.page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
          .then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')))`)) as string[];
        problems.push(...found.map((f) => `${scheme} ${path}: ${f}`));
      }
    }
    expect(problems).toEqual([]);
    const rita = await signIn(stack.url, 'rita', ['reviewers']);
    await rita.post(`/sluice/console/approvals/${id}/deny`, { comment: 'checked' });
    await held;
  });

  it('works without JavaScript: sign in, approve with a plain form post, see the result', async () => {
    const w = await chrome.page();
    await w.page.setJavaScriptEnabled(false);
    await w.page.goto(`${stack.url}/sluice/console`);
    await Promise.all([w.page.waitForNavigation(), w.page.click('a.button')]);
    await w.page.click('#subject', { count: 3 });
    await w.page.type('#subject', 'nora');
    await w.page.click('button[type=submit]');
    await w.page.waitForFunction("location.pathname === '/sluice/console/approvals'", { timeout: 10_000 });
    const call = client(await stack.token(['agents'], 'agent-nojs')).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'export nojs-marker' }] });
    // No live updates without the script: reload until the card is there.
    let id: string | null = null;
    for (let i = 0; i < 50 && !id; i++) {
      await w.page.reload();
      id = await w.page.evaluate(`[...document.querySelectorAll('.card[data-id]')].find((c) => c.textContent.includes('nojs-marker'))?.dataset.id ?? null`) as string | null;
      if (!id) await new Promise((r) => setTimeout(r, 100));
    }
    expect(id).not.toBeNull();
    await Promise.all([w.page.waitForNavigation(), w.page.click(`.card[data-id="${id}"] button.approve`)]);
    expect(w.page.url()).toContain(`/sluice/console/approvals?done=approved:${id}`);
    expect(await w.page.$eval('.flash', (el) => el.textContent ?? '')).toContain('Approved');
    expect((await call).choices[0].message.content).toContain('nojs-marker');
  });
});
