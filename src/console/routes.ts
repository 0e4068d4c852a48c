// The reviewer console under /sluice/console: plain request → response admin routes on the main thread (the owner
// of approvals, audit and policy). Sign-in by OIDC code flow + PKCE, a server-side session in an HttpOnly
// SameSite=Strict cookie, a CSRF token on every post, and the reviewer API's own access rules for every view.
import type { KeyObject } from 'node:crypto';
import type { RequestContext } from '../context.js';
import type { AdminRawResponse, AdminRoutes } from '../ports.js';
import type { Identity } from '../types.js';
import type { Logger } from '../observe/logger.js';
import type { AuditRecordInput } from '../audit/record.js';
import type { AuditWriterStats } from '../audit/writer.js';
import type { Policy } from '../policy/types.js';
import type { ShadowSummary } from '../shadow/ledger.js';
import type { ScanReport } from '../shadow/scan.js';
import { SluiceError, toSluiceError } from '../errors.js';
import { reviewerAccess, type ReviewerAccess } from '../approval/access.js';
import { ReviewConflict, type Review } from '../approval/review.js';
import { decisionFrom } from '../approval/decision-body.js';
import { approvalView } from '../approval/record.js';
import type { Approval } from '../approval/types.js';
import { parseTime } from '../audit/search.js';
import { turnOf } from '../audit/replay.js';
import { explain } from '../policy/explain.js';
import type { ConsoleConfig } from './config.js';
import type { OidcClient } from './oidc.js';
import { loadAssets, ASSET_BASE } from './assets.js';
import { html } from './html.js';
import { asset, clearCookie, json, page, readCookie, readFields, redirect, setCookie, splitPath } from './http.js';
import { BASE, canSee, continuePage, layout, messagePage, signInPage, type View } from './layout.js';
import { createSessionStore, sameSecret, type Session } from './sessions.js';
import { approvalCard, flashFor, queueDocument, queueMain, QUEUE_PATH } from './pages/approvals.js';
import { FORM_FIELDS, filterFrom, replayMain, searchMain, type SearchForm, type SourcedTurn } from './pages/audit.js';
import { shadowMain, type LastScan } from './pages/shadow.js';
import { EXPLAIN_DEFAULTS, policiesMain, type ExplainForm, type ReloadStatus } from './pages/policies.js';
import { integrityMain, type LastVerify } from './pages/integrity.js';
import { readAudit, type AuditReader, type AuditStore, type SourceNote, type SourcedRecord } from './source.js';

export interface ConsoleDeps {
  config: ConsoleConfig;
  /** Undefined when no OIDC client is configured: the console then explains how to set one up. */
  oidc?: OidcClient;
  /** Secure cookies (and the __Host- prefix): the console is reached over HTTPS. */
  secureCookies: boolean;
  review: Review;
  maxGrantMinutes: number;
  policy: () => Policy;
  policyStatus: () => ReloadStatus;
  /** The gateway's authenticator (explain with a pasted token). */
  authenticate: (headers: Record<string, string>, remote: string) => Promise<Identity>;
  audit: {
    dir?: string;
    append(record: AuditRecordInput): void;
    stats?: () => AuditWriterStats | undefined;
    publicKey?: KeyObject;
    /** The shared PostgreSQL store (`audit.sinks` lists postgres): search, replay and verify read it first. */
    store?: AuditStore;
    /** The store's shipping state, for the integrity page. */
    storeHealth?: () => string | undefined;
  };
  shadow: { summary?: () => ShadowSummary | undefined; scan: (files: string[]) => Promise<ScanReport> };
  logger: Logger;
  now?: () => number;
}

const MAX_RESULTS = 200;
const MAX_TURNS = 500;
const RETURN_RE = /^\/sluice\/console(\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?(\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$/;

export function createConsole(deps: ConsoleDeps): AdminRoutes {
  const now = deps.now ?? Date.now;
  const assets = loadAssets();
  const sessions = createSessionStore({ idleMs: deps.config.session.idleMinutes * 60_000, absoluteMs: deps.config.session.absoluteHours * 3_600_000, now });
  const secure = deps.secureCookies;
  const SESSION_COOKIE = secure ? '__Host-sluice-console' : 'sluice-console';
  const LOGIN_COOKIE = secure ? '__Host-sluice-login' : 'sluice-login';
  const cookiePath = secure ? '/' : BASE;
  let lastScan: LastScan | undefined;
  let lastVerify: LastVerify | undefined;
  let verifying: Promise<void> | undefined;

  async function handle(ctx: RequestContext, body: Uint8Array): Promise<AdminRawResponse | null> {
    const { path, query } = splitPath(ctx.path);
    if (path !== BASE && !path.startsWith(`${BASE}/`)) return null;
    const wantsJson = (ctx.headers.accept ?? '').includes('application/json');
    try {
      return await route(ctx, path, query, body, wantsJson);
    } catch (err) {
      const e = toSluiceError(err);
      if (e.code === 'SLUICE_INTERNAL') deps.logger.error({ err: (e.cause as Error | undefined)?.message, path }, 'console: internal error');
      if (wantsJson) return json(e.status, { error: { code: e.code, message: e.message } });
      return page(e.status, messagePage(assets, undefined, e.status === 404 ? 'Not found' : 'Refused', e.message));
    }
  }

  async function route(ctx: RequestContext, path: string, query: URLSearchParams, body: Uint8Array, wantsJson: boolean): Promise<AdminRawResponse> {
    if (path.startsWith(ASSET_BASE)) {
      const a = assets.byPath.get(path);
      if (!a || ctx.method !== 'GET') throw new SluiceError('SLUICE_NOT_FOUND', 'No such asset');
      return asset(a.body, a.contentType);
    }
    if (path === BASE || path === `${BASE}/`) return redirect(`${BASE}/approvals`, [], 302);
    if (path === `${BASE}/login`) return only(ctx, 'GET') ?? (await login(query));
    if (path === `${BASE}/callback`) return only(ctx, 'GET') ?? (await callback(ctx, query));

    const cookie = readCookie(ctx.headers, SESSION_COOKIE);
    const session = sessions.get(cookie);
    if (!session) {
      if (wantsJson || query.has('fragment') || ctx.method !== 'GET') return json(401, { error: { code: 'SLUICE_AUTH_MISSING', message: 'Sign in to the console first' } });
      return page(401, signInPage(assets, deps.oidc ? `${BASE}/login?return=${encodeURIComponent(path + (query.size ? `?${query}` : ''))}` : undefined));
    }
    let fields: Record<string, unknown> = {};
    if (ctx.method === 'POST') {
      fields = readFields(body, ctx.headers['content-type']);
      checkCsrf(ctx, session, fields);
    } else if (ctx.method !== 'GET') {
      throw new SluiceError('SLUICE_METHOD_NOT_ALLOWED', 'Use GET or POST');
    }
    if (path === `${BASE}/logout`) return only(ctx, 'POST') ?? logout(ctx, cookie, session);

    const access = reviewerAccess(deps.policy(), session.user.groups);
    const v: View = { user: session.user, access, csrf: session.csrf, now: now() };
    const parts = path.slice(BASE.length + 1).split('/').map(decode);
    const section = parts[0];
    const allowed = section === 'approvals' || section === 'sessions' ? canSee(section === 'sessions' ? 'audit' : 'approvals', access) : isSection(section) && canSee(section, access);
    if (!allowed) {
      if (!isSection(section) && section !== 'sessions') throw new SluiceError('SLUICE_NOT_FOUND', 'No such page');
      // Others see nothing: not even whether there is anything to see.
      return page(403, messagePage(assets, access.any ? await withCount(v) : v, 'Nothing to see here', access.any ? 'This page is for operators and the policy-wide reviewers.' : 'You are signed in, but you review no policy rule: the console shows you nothing.'));
    }

    if (section === 'approvals') {
      if (parts.length === 1) return only(ctx, 'GET') ?? (await queuePage(v, query));
      if (parts.length === 2) return only(ctx, 'GET') ?? (await detailPage(v, parts[1]));
      if (parts.length === 3 && (parts[2] === 'approve' || parts[2] === 'deny')) return only(ctx, 'POST') ?? (await decide(v, parts[1], parts[2], fields, wantsJson));
    }
    if (section === 'audit' && parts.length === 1) return only(ctx, 'GET') ?? (await auditPage(ctx, v, query));
    if (section === 'sessions' && parts.length === 2) return only(ctx, 'GET') ?? (await replayPage(ctx, v, parts[1]));
    if (section === 'shadow' && parts.length === 1) return only(ctx, 'GET') ?? (await shadowPage(v));
    if (section === 'shadow' && parts[1] === 'scan' && parts.length === 2) return only(ctx, 'POST') ?? (await scan(ctx, v));
    if (section === 'policies' && parts.length === 1) return only(ctx, 'GET') ?? (await policiesPage(v, EXPLAIN_DEFAULTS));
    if (section === 'policies' && parts[1] === 'explain' && parts.length === 2) return only(ctx, 'POST') ?? (await explainPage(ctx, v, fields));
    if (section === 'integrity' && parts.length === 1) return only(ctx, 'GET') ?? (await integrityPage(ctx, v, false));
    if (section === 'integrity' && parts[1] === 'verify' && parts.length === 2) return only(ctx, 'POST') ?? (await integrityPage(ctx, v, true));
    throw new SluiceError('SLUICE_NOT_FOUND', 'No such page');
  }

  // ----- sign-in, sign-out -----

  async function login(query: URLSearchParams): Promise<AdminRawResponse> {
    if (!deps.oidc) return page(200, signInPage(assets, undefined));
    const back = query.get('return') ?? '';
    const returnTo = RETURN_RE.test(back) && !back.includes('//') && !back.startsWith(`${BASE}/login`) ? back : `${BASE}/approvals`;
    const { state, login: l } = sessions.startLogin(returnTo);
    const target = await deps.oidc.authorizationUrl(state, l.nonce, l.verifier);
    // Lax, not Strict: the IdP sends the browser back with a cross-site redirect, which must carry this cookie.
    return redirect(target, [setCookie(LOGIN_COOKIE, l.browser, { secure, sameSite: 'Lax', path: cookiePath, maxAgeSeconds: 600 })], 302);
  }

  async function callback(ctx: RequestContext, query: URLSearchParams): Promise<AdminRawResponse> {
    const clear = clearCookie(LOGIN_COOKIE, { secure, sameSite: 'Lax', path: cookiePath });
    const fail = (reason: string, message: string) => {
      audit(ctx, null, 'login_failed', { reason });
      return page(401, signInPage(assets, deps.oidc ? `${BASE}/login` : undefined, message), [clear]);
    };
    if (!deps.oidc) return page(200, signInPage(assets, undefined));
    const pending = sessions.takeLogin(query.get('state') ?? '');
    const browser = readCookie(ctx.headers, LOGIN_COOKIE) ?? '';
    if (!pending || !sameSecret(pending.browser, browser)) return fail('state', 'That sign-in link expired or was started in another browser. Please sign in again.');
    if (query.get('error')) return fail('idp_error', `The identity provider refused the sign-in (${(query.get('error') ?? '').slice(0, 64)}).`);
    let who: Identity;
    try {
      who = await deps.oidc.finish(query.get('code') ?? '', pending.verifier, pending.nonce, ctx.remoteAddress);
    } catch (err) {
      const e = toSluiceError(err);
      return fail(e.code, e.message);
    }
    const { id } = sessions.create({ subject: who.subject, groups: who.groups });
    audit(ctx, { subject: who.subject, groups: who.groups }, 'login', {});
    return page(200, continuePage(assets, pending.returnTo), [clear, setCookie(SESSION_COOKIE, id, { secure, sameSite: 'Strict', path: cookiePath })]);
  }

  function logout(ctx: RequestContext, cookie: string | undefined, session: Session): AdminRawResponse {
    sessions.destroy(cookie);
    audit(ctx, session.user, 'logout', {});
    return page(200, signInPage(assets, deps.oidc ? `${BASE}/login` : undefined, 'You are signed out.'), [clearCookie(SESSION_COOKIE, { secure, sameSite: 'Strict', path: cookiePath })]);
  }

  /** The session's token in a header (script) or a form field, and a same-origin request (belt and braces). */
  function checkCsrf(ctx: RequestContext, session: Session, fields: Record<string, unknown>): void {
    const sent = ctx.headers['x-sluice-csrf'] ?? (typeof fields._csrf === 'string' ? fields._csrf : '');
    const site = ctx.headers['sec-fetch-site'];
    const origin = ctx.headers.origin;
    let sameOrigin = site === undefined || site === 'same-origin';
    if (origin !== undefined && origin !== 'null') {
      try {
        sameOrigin &&= new URL(origin).host === ctx.headers.host;
      } catch {
        sameOrigin = false;
      }
    }
    if (!sameOrigin || !sameSecret(sent, session.csrf)) throw new SluiceError('SLUICE_FORBIDDEN', 'This request did not come from a console page (CSRF check failed); reload the page and try again');
  }

  // ----- approvals -----

  async function withCount(v: View): Promise<View> {
    return v.access.any ? { ...v, pending: (await deps.review.list(v.access, 'pending', 1000)).length } : v;
  }

  async function queuePage(v: View, query: URLSearchParams): Promise<AdminRawResponse> {
    const list = await deps.review.list(v.access, 'pending', MAX_RESULTS);
    if (query.has('fragment')) return page(200, queueDocument(v, list));
    return page(200, layout(assets, { ...v, pending: list.length }, 'approvals', 'Approvals', queueMain(v, list, flashFor(query.get('done')))));
  }

  async function detailPage(v: View, id: string): Promise<AdminRawResponse> {
    const a = await deps.review.get(v.access, id);
    return page(200, layout(assets, await withCount(v), 'approvals', `Approval ${a.rule}`, html`<p><a href="${QUEUE_PATH}">← All pending approvals</a></p>${approvalCard(v, a, true)}`));
  }

  async function decide(v: View, id: string, verb: 'approve' | 'deny', fields: Record<string, unknown>, wantsJson: boolean): Promise<AdminRawResponse> {
    const grant = fields.grantMinutes;
    const input = { comment: fields.comment, ...(grant === undefined || grant === '' ? {} : { grantMinutes: typeof grant === 'string' ? Number(grant) : grant }) };
    const who: Identity = { subject: v.user.subject, groups: v.user.groups, session: 'console', via: 'jwt' };
    const back = (done: string) => redirect(`${QUEUE_PATH}?done=${done}:${encodeURIComponent(id)}`);
    try {
      // The same decision as POST /sluice/approvals/:id/…: same checks, same compare-and-set, same audit record.
      const a = await deps.review.decide(who, v.access, id, verb, decisionFrom(input, verb, deps.maxGrantMinutes));
      return wantsJson ? json(200, { approval: approvalView(a, false) }) : back(a.status);
    } catch (err) {
      if (err instanceof ReviewConflict) {
        const a = err.approval;
        return wantsJson ? json(409, { error: { code: err.code, message: err.message }, approval: a ? conflictView(a) : null }) : back('conflict');
      }
      const e = toSluiceError(err);
      if (wantsJson || e.status === 404) throw e;
      return back('refused');
    }
  }

  // ----- audit search and replay -----

  /** Sessions with an approval held now of a rule the reviewer reviews (the live half of `visibleSessions`). */
  async function liveSessions(access: ReviewerAccess): Promise<Set<string>> {
    return new Set((await deps.review.list(access, undefined, 100_000)).map((a) => a.identity.session));
  }

  /** Sessions a non-operator may read: those with an approval (held now, or in the trail) of a rule they review. */
  async function visibleSessions(access: ReviewerAccess, live: Set<string>, trail: AuditReader): Promise<Set<string>> {
    const out = new Set(live);
    for await (const rec of trail.search({ kind: 'approval' })) {
      const rule = rec.detail?.rule;
      if (rec.identity && typeof rule === 'string' && access.canReview(rule)) out.add(rec.identity.session);
    }
    return out;
  }

  /** The store when configured (falling back to the files, noted), else the files. */
  function read<T>(dir: string, view: (r: AuditReader) => Promise<T>): Promise<{ value: T; source: SourceNote }> {
    return readAudit({ dir, ...(deps.audit.store ? { store: deps.audit.store } : {}) }, view);
  }

  async function auditPage(ctx: RequestContext, v: View, query: URLSearchParams): Promise<AdminRawResponse> {
    const f = Object.fromEntries(FORM_FIELDS.map((k) => [k, (query.get(k) ?? '').trim().slice(0, 200)])) as unknown as SearchForm;
    const asked = FORM_FIELDS.some((k) => f[k] !== '');
    let results: Parameters<typeof searchMain>[1];
    if (asked) {
      const dir = deps.audit.dir;
      if (!dir) results = { records: [], matched: 0, scoped: false, error: 'The audit trail is off (audit.enabled: false).' };
      else {
        try {
          const filter = filterFrom(f, (t) => parseTime(t, now()));
          const live = v.access.operator ? undefined : await liveSessions(v.access);
          const { value, source } = await read(dir, async (trail) => {
            // Scope and results from the same source: a fallback to the files re-reads both.
            const scope = live && (await visibleSessions(v.access, live, trail));
            const kept: SourcedRecord[] = [];
            let matched = 0;
            for await (const rec of trail.search(filter)) {
              if (rec.kind === 'checkpoint' || (scope && !(rec.identity && scope.has(rec.identity.session)))) continue;
              matched++;
              kept.push(rec);
              if (kept.length > MAX_RESULTS) kept.shift();
            }
            return { records: kept.reverse(), matched, scoped: scope !== undefined };
          });
          results = { ...value, source };
          audit(ctx, v.user, 'search', { matched: value.matched, ...sourceDetail(source) });
        } catch (err) {
          results = { records: [], matched: 0, scoped: false, error: toSluiceError(err).message };
        }
      }
    }
    return page(200, layout(assets, await withCount(v), 'audit', 'Sessions & audit', searchMain(f, results)));
  }

  async function replayPage(ctx: RequestContext, v: View, session: string): Promise<AdminRawResponse> {
    const live = v.access.operator ? undefined : await liveSessions(v.access);
    const dir = deps.audit.dir;
    let shown: { scopedOut: boolean; turns: SourcedTurn[] } = { scopedOut: live !== undefined && !live.has(session), turns: [] };
    let source: SourceNote | undefined;
    if (dir) {
      ({ value: shown, source } = await read(dir, async (trail) => {
        const scopedOut = live !== undefined && !(await visibleSessions(v.access, live, trail)).has(session);
        const turns: SourcedTurn[] = [];
        if (!scopedOut) {
          for await (const rec of trail.session(session)) {
            turns.push({ ...turnOf(rec, turns.length + 1), instance: rec.instance });
            if (turns.length >= MAX_TURNS) break;
          }
        }
        return { scopedOut, turns };
      }));
    }
    audit(ctx, v.user, 'replay', { session: session.slice(0, 128), turns: shown.turns.length, ...(source ? sourceDetail(source) : {}) });
    return page(shown.scopedOut ? 404 : 200, layout(assets, await withCount(v), 'audit', `Session ${session}`, replayMain(session, shown.turns, shown.scopedOut, source)));
  }

  // ----- shadow AI -----

  async function shadowPage(v: View): Promise<AdminRawResponse> {
    return page(200, layout(assets, await withCount(v), 'shadow', 'Shadow AI', shadowMain(v, deps.shadow.summary?.(), deps.config.shadowLogs, lastScan)));
  }

  async function scan(ctx: RequestContext, v: View): Promise<AdminRawResponse> {
    const files = deps.config.shadowLogs;
    const at = now();
    try {
      lastScan = { at, files, report: await deps.shadow.scan(files) };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      lastScan = { at, files, error: `Could not read ${e.path ?? 'a log'} (${e.code ?? 'error'})` };
    }
    audit(ctx, v.user, 'shadow_scan', { files: files.length, shadow: lastScan.report?.shadow ?? -1 });
    return redirect(`${BASE}/shadow`);
  }

  // ----- policies and explain -----

  async function policiesPage(v: View, form: ExplainForm, result?: { text?: string; error?: string }): Promise<AdminRawResponse> {
    return page(200, layout(assets, await withCount(v), 'policies', 'Policies', policiesMain(v, deps.policy(), deps.policyStatus(), form, result)));
  }

  async function explainPage(ctx: RequestContext, v: View, fields: Record<string, unknown>): Promise<AdminRawResponse> {
    const str = (k: keyof ExplainForm) => (typeof fields[k] === 'string' ? (fields[k] as string) : '');
    const form: ExplainForm = { path: str('path') || EXPLAIN_DEFAULTS.path, token: '', subject: str('subject'), groups: str('groups'), job: str('job'), justification: str('justification'), body: str('body') };
    let result: { text?: string; error?: string };
    try {
      let body: unknown;
      try {
        body = JSON.parse(form.body);
      } catch {
        throw new SluiceError('SLUICE_BAD_JSON', 'The request body is not valid JSON');
      }
      const token = str('token').trim();
      let who: Identity;
      const notes: string[] = [];
      if (token) {
        try {
          who = await deps.authenticate({ authorization: `Bearer ${token}` }, ctx.remoteAddress);
          notes.push('token verified');
        } catch (err) {
          throw new SluiceError('SLUICE_AUTH_INVALID', `Token refused: ${toSluiceError(err).message}`);
        }
      } else {
        if (!form.subject) throw new SluiceError('SLUICE_BAD_REQUEST', 'Give a subject (and groups) or paste a token');
        who = { subject: form.subject, groups: form.groups.split(/[\s,]+/).filter(Boolean), ...(form.job ? { job: form.job } : {}), session: 'explain', via: 'jwt' };
        notes.push('identity described in the form, not verified');
      }
      const path = form.path.startsWith('/') ? form.path : `/${form.path}`;
      result = { text: explain(deps.policy(), who, body, path, { bodyBytes: Buffer.byteLength(form.body), notes, ...(form.justification ? { justification: form.justification } : {}) }) };
    } catch (err) {
      result = { error: toSluiceError(err).message };
    }
    audit(ctx, v.user, 'explain', { ok: result.text !== undefined });
    return policiesPage(v, form, result);
  }

  // ----- audit integrity -----

  async function integrityPage(ctx: RequestContext, v: View, run: boolean): Promise<AdminRawResponse> {
    if (deps.audit.dir && (run || !lastVerify) && !verifying) {
      const dir = deps.audit.dir;
      verifying = (async () => {
        const t0 = now();
        const signed = deps.audit.publicKey !== undefined;
        try {
          const { value: reports, source } = await read(dir, (trail) => trail.verify({ ...(deps.audit.publicKey ? { publicKey: deps.audit.publicKey } : {}), maxIssues: 50 }));
          lastVerify = { at: now(), ms: now() - t0, reports, source, signed };
        } catch (err) {
          lastVerify = { at: now(), ms: now() - t0, error: (err as Error).message, signed: false };
        }
      })().finally(() => (verifying = undefined));
      await verifying;
      const ok = lastVerify?.reports?.every((r) => r.report.ok && r.columnIssues.length === 0) ?? false;
      if (run) audit(ctx, v.user, 'verify', { ok, ...(lastVerify?.source ? sourceDetail(lastVerify.source) : {}) });
    }
    if (run) return redirect(`${BASE}/integrity`);
    return page(200, layout(assets, await withCount(v), 'integrity', 'Audit integrity', integrityMain(v, deps.audit.dir !== undefined, lastVerify, verifying !== undefined, deps.audit.stats?.(), deps.audit.storeHealth?.())));
  }

  // ----- helpers -----

  function audit(ctx: RequestContext, user: { subject: string; groups: string[] } | null, event: string, detail: Record<string, string | number | boolean>): void {
    deps.audit.append({
      kind: 'console',
      time: new Date(now()).toISOString(),
      requestId: ctx.id,
      source: ctx.remoteAddress,
      identity: user ? { subject: user.subject, groups: [...user.groups], job: null, session: 'console' } : null,
      detail: { event, ...detail },
    });
  }

  return { handle };
}

/** Where a console action read from, in its audit record: `store`, `files`, or `files` after the store failed. */
function sourceDetail(s: SourceNote): Record<string, string | boolean> {
  return { source: s.kind, ...(s.storeError !== undefined ? { storeUnreachable: true } : {}) };
}

const SECTIONS = new Set(['approvals', 'audit', 'shadow', 'policies', 'integrity']);
function isSection(s: string): s is 'approvals' | 'audit' | 'shadow' | 'policies' | 'integrity' {
  return SECTIONS.has(s);
}

function only(ctx: RequestContext, method: 'GET' | 'POST'): AdminRawResponse | undefined {
  if (ctx.method === method) return undefined;
  throw new SluiceError('SLUICE_METHOD_NOT_ALLOWED', `Use ${method} here`, { headers: { allow: method } });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function conflictView(a: Approval): Record<string, unknown> {
  return { id: a.id, status: a.status, reviewer: a.reviewer, decidedAt: a.decidedAt === null ? null : new Date(a.decidedAt).toISOString() };
}

