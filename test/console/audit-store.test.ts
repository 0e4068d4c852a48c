// The reviewer console on the PostgreSQL audit store: two gateways (gw-a, gw-b) ship to one database, a reviewer
// signs in to gw-a's console and searches, replays and verifies records that gw-b wrote, within the same scoping as
// on files; when the database goes away the pages fall back to gw-a's files and say so. A real PostgreSQL (the test
// fails, never skips, when it cannot start).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startStack, REPO, type Stack } from '../helpers/stack.js';
import { signIn, type ConsoleClient } from '../helpers/console.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { createPool, migrate, type Pool } from '../../src/audit/db/pg.js';

const T = 'sluice_audit';

describe('the console reads the audit store', { timeout: 120_000 }, () => {
  let pg: PgServer;
  let db: Pool;
  let a: Stack;
  let b: Stack;
  let policies: string;

  beforeAll(async () => {
    pg = await startPostgres();
    db = createPool({ url: pg.url, max: 2 });
    await migrate(db, T);
    // The shipped policy plus an operator group and a payments rule reviewed by pay-leads only.
    policies = mkdtempSync(join(tmpdir(), 'sluice-console-store-'));
    const text = readFileSync(join(REPO, 'policies/default.yaml'), 'utf8')
      .replace('reviewers:\n  groups: [reviewers]', 'reviewers:\n  groups: [reviewers]\n  operators: [secops]')
      .replace('  - id: restricted\n', '  - id: payments\n    match: { groups: [payments] }\n    connections: [openai]\n    reviewers: { groups: [pay-leads] }\n    approve: { keywords: [refund] }\n\n  - id: restricted\n');
    writeFileSync(join(policies, 'default.yaml'), text);
    const audit = (instance: string) => ({ audit: { sinks: ['file', 'postgres'], instance, postgres: { url: pg.url, batchMaxRecords: 50, batchMaxMs: 20 } } });
    [a, b] = await Promise.all([
      startStack({ demoMode: true, policiesDir: policies, config: audit('gw-a') }),
      startStack({ demoMode: true, policiesDir: policies, config: audit('gw-b') }),
    ]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.end();
    await pg?.stop();
    if (policies) rmSync(policies, { recursive: true, force: true });
  });

  const ask = async (s: Stack, sub: string, groups: string[], session: string, content: string) =>
    new OpenAI({ baseURL: `${s.url}/v1`, apiKey: await s.token(groups, sub), maxRetries: 0, defaultHeaders: { 'x-sluice-session': session } })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
      .catch((e: unknown) => e);

  /** Polls a console page until `ready` holds (records reach the database a batch after they reach the files). */
  async function until(c: ConsoleClient, path: string, ready: (text: string) => boolean): Promise<{ status: number; text: string }> {
    let r = await c.get(path);
    for (let i = 0; i < 100 && !ready(r.text); i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await c.get(path);
    }
    return r;
  }

  it('searches, replays and verifies every instance, scoped as on files, and audits the reviewer', async () => {
    // One session over both gateways: a turn on gw-a, a refund held on gw-b and denied there, another turn on gw-a.
    await ask(a, 'payer', ['payments'], 'sess-pay', 'first on gw-a marker-a1');
    const held = ask(b, 'payer', ['payments'], 'sess-pay', 'refund order 7 marker-b1');
    const opsB = await signIn(b.url, 'olga', ['secops']);
    let card: RegExpExecArray | null = null;
    for (let i = 0; i < 200 && !card; i++) {
      card = /data-id="([A-Za-z0-9_-]+)"[^]*?marker-b1/.exec((await opsB.get('/sluice/console/approvals?fragment=1')).text);
      if (!card) await new Promise((r) => setTimeout(r, 20));
    }
    expect((await opsB.post(`/sluice/console/approvals/${card![1]}/deny`, { comment: 'no refunds on b' })).status).toBe(200);
    await held;
    await ask(a, 'payer', ['payments'], 'sess-pay', 'second on gw-a marker-a2');
    // A session nobody reviews, on gw-b only.
    await ask(b, 'other', ['analysts'], 'sess-other', 'plain question marker-o1');

    const lead = await signIn(a.url, 'paula', ['pay-leads']);
    const ops = await signIn(a.url, 'olga', ['secops']);

    // Replay on gw-a's console: gw-b's turns included, in the order they happened, each naming its instance.
    // Each instance ships on its own schedule: wait for every turn (gw-b's held exchange is recorded after its
    // approval record, and may reach the store a batch after gw-a's later turn).
    const replay = await until(lead, '/sluice/console/sessions/sess-pay', (t) => t.includes('marker-a2') && t.includes('marker-b1') && t.includes('no refunds on b'));
    expect(replay.status).toBe(200);
    expect(replay.text).toContain('data-source="store"');
    const at = (s: string) => replay.text.indexOf(s);
    expect(at('marker-a1')).toBeGreaterThan(0);
    expect(at('marker-a1')).toBeLessThan(at('marker-b1'));
    expect(at('marker-b1')).toBeLessThan(at('marker-a2'));
    expect(replay.text).toMatch(/instance gw-a [^]*instance gw-b [^]*instance gw-a /);

    // Scoping: pay-leads see the session of their approval (decided on gw-b), not the one they do not review.
    expect((await lead.get('/sluice/console/sessions/sess-other')).status).toBe(404);
    const leadSearch = (await lead.get('/sluice/console/audit?kind=exchange')).text;
    expect(leadSearch).toContain('data-source="store"');
    expect(leadSearch).toContain('limited to sessions with approvals you review');
    expect(leadSearch).toMatch(/<td>gw-b<\/td>/);
    expect(leadSearch).toMatch(/<td>gw-a<\/td>/);
    expect(leadSearch).not.toContain('sess-other');
    const opsSearch = await until(ops, '/sluice/console/audit?kind=exchange', (t) => t.includes('sess-other'));
    expect(opsSearch.text).toContain('sess-pay');
    expect(opsSearch.text).toContain('sess-other');
    expect((await ops.get('/sluice/console/sessions/sess-other')).status).toBe(200);

    // Verification covers both chains in the database.
    expect((await ops.post('/sluice/console/integrity/verify', {})).status).toBe(303);
    const integrity = (await ops.get('/sluice/console/integrity')).text;
    expect(integrity).toContain('data-source="store"');
    expect(integrity).toMatch(/<strong>Intact<\/strong>: 0 error\(s\) in 2 instance\(s\)/);
    expect(integrity).toMatch(/<td>gw-a<\/td><td class="ok">intact<\/td>/);
    expect(integrity).toMatch(/<td>gw-b<\/td><td class="ok">intact<\/td>/);

    // The reviewers' actions are audited as on files, naming the source; they reach the store like any record.
    let events: string[] = [];
    for (let i = 0; i < 100 && !events.includes('olga:verify:store'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      events = (await db.query<{ line: string }>(`SELECT line FROM ${T} WHERE instance = 'gw-a' AND kind = 'console'`)).rows
        .map((r) => JSON.parse(r.line) as { identity: { subject: string } | null; detail: { event: string; source?: string } })
        .map((r) => `${r.identity?.subject ?? '-'}:${r.detail.event}:${r.detail.source ?? ''}`);
    }
    expect(events).toEqual(expect.arrayContaining(['paula:login:', 'paula:replay:store', 'paula:search:store', 'olga:search:store', 'olga:verify:store']));
  });

  it('falls back to this instance\'s files when the store is unreachable, and says so on every page', async () => {
    const ops = await signIn(a.url, 'olga', ['secops']);
    await ask(a, 'payer', ['payments'], 'sess-down', 'while the db is down marker-a3');
    await pg.kill();
    try {
      const search = await until(ops, '/sluice/console/audit?kind=exchange', (t) => t.includes('marker-a3') || t.includes('sess-down'));
      expect(search.status).toBe(200);
      expect(search.text).toMatch(/<p class="flash bad" role="alert" data-source="files">The audit store \(PostgreSQL\) is unreachable \((?:[^)]*ECONNREFUSED|57P01|[^)]*connection)[^)]*\)\. Shown from this instance's audit files only \(instance gw-a\): records of other instances are missing\.<\/p>/);
      // The reason is what pg said (a refused connect, or a pooled connection the dying server terminated), never the URL.
      expect(search.text).not.toContain('postgres://');
      expect(search.text).toContain('sess-down');
      // gw-b's records are not in gw-a's files: the page is gw-a's alone, and says so above.
      expect(search.text).not.toContain('sess-other');
      expect(search.text).not.toMatch(/<th scope="col">Instance<\/th>/);

      const replay = await ops.get('/sluice/console/sessions/sess-pay');
      expect(replay.text).toContain('data-source="files"');
      expect(replay.text).toContain('is unreachable');
      expect(replay.text).toContain('marker-a1');
      expect(replay.text).not.toContain('marker-b1');

      // A reviewer's scope comes from the same files: the approval decided on gw-b is not there, so nothing shows.
      const lead = await signIn(a.url, 'paula', ['pay-leads']);
      expect((await lead.get('/sluice/console/sessions/sess-pay')).status).toBe(404);
      const leadSearch = (await lead.get('/sluice/console/audit?kind=exchange')).text;
      expect(leadSearch).toContain('is unreachable');
      expect(leadSearch).not.toContain('marker-a1');

      expect((await ops.post('/sluice/console/integrity/verify', {})).status).toBe(303);
      const integrity = (await ops.get('/sluice/console/integrity')).text;
      expect(integrity).toContain('data-source="files"');
      expect(integrity).toContain('is unreachable');
      expect(integrity).toMatch(/<strong>Intact<\/strong>: 0 error\(s\) in \d+ file\(s\)/);
      expect(integrity).toMatch(/<dt>Audit store<\/dt><dd>failing \(/);
    } finally {
      await pg.start();
    }
  });
});
