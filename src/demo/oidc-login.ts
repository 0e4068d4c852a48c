// The demo issuer's browser sign-in (OIDC authorization code flow with PKCE), so the console works offline:
// a login page where you pick a subject and groups, /authorize and /token. Demo mode only: anyone may sign in
// as anyone, exactly as `sluice token` lets anyone mint any token.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { RequestContext } from '../context.js';
import type { AdminRawResponse, AdminRoutes } from '../ports.js';
import { html } from '../console/html.js';
import { ensureDemoIssuer, mintDemoToken, DEMO_ISSUER } from './issuer.js';

export const DEMO_LOGIN_BASE = '/sluice/demo/login';

export interface DemoClient {
  clientId: string;
  redirectUri: string;
}

export interface DemoLoginOptions {
  dir: string;
  /** Registered clients: a code is only ever sent to a client's own redirect URI. */
  clients: () => readonly DemoClient[];
  /** Groups offered as checkboxes on the login page (e.g. the policy's reviewer and rule groups). */
  groups?: () => readonly string[];
  now?: () => number;
}

interface Grant {
  client: DemoClient;
  challenge: string;
  nonce: string;
  subject: string;
  groups: string[];
  expires: number;
}

const CODE_TTL_MS = 60_000;
const TOKEN_TTL_S = 3600;
const MAX_CODES = 1000;
const VERIFIER_RE = /^[A-Za-z0-9._~-]{43,128}$/;
const GROUP_RE = /^[^\s,]{1,64}$/;
const STYLE = 'body{font:16px system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#111}' +
  'label{display:block;margin:.6rem 0 .2rem}input[type=text]{width:100%;padding:.5rem;font:inherit}' +
  'fieldset{margin:1rem 0}button{font:inherit;padding:.5rem 1.2rem}.warn{background:#fff3cd;padding:.6rem;border-radius:4px}' +
  '.g label{display:inline-block;margin-right:1rem}';

export function createDemoLogin(opts: DemoLoginOptions): AdminRoutes {
  const now = opts.now ?? Date.now;
  const codes = new Map<string, Grant>();

  async function handle(ctx: RequestContext, body: Uint8Array): Promise<AdminRawResponse | null> {
    const [path, query] = split(ctx.path);
    if (path === `${DEMO_LOGIN_BASE}/authorize`) {
      if (ctx.method === 'GET') return loginPage(new URLSearchParams(query));
      if (ctx.method === 'POST') return approve(new URLSearchParams(Buffer.from(body).toString('utf8')));
      return text(405, 'method not allowed');
    }
    if (path === `${DEMO_LOGIN_BASE}/token`) {
      if (ctx.method !== 'POST') return text(405, 'method not allowed');
      return exchange(new URLSearchParams(Buffer.from(body).toString('utf8')));
    }
    return null;
  }

  /** The authorization request must name a registered client, its redirect URI, and an S256 challenge. */
  function check(p: URLSearchParams): { client: DemoClient } | { error: string } {
    const client = opts.clients().find((c) => c.clientId === p.get('client_id'));
    if (!client) return { error: 'unknown client_id' };
    if (p.get('redirect_uri') !== client.redirectUri) return { error: 'redirect_uri is not registered for this client' };
    if (p.get('response_type') !== 'code') return { error: 'response_type must be code' };
    if (p.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(p.get('code_challenge') ?? '')) return { error: 'PKCE with S256 is required' };
    if (!(p.get('scope') ?? '').split(' ').includes('openid')) return { error: 'scope must include openid' };
    return { client };
  }

  function loginPage(p: URLSearchParams): AdminRawResponse {
    const c = check(p);
    // Errors about the client or redirect URI are shown here, never redirected (RFC 6749 §4.1.2.1).
    if ('error' in c) return text(400, `invalid authorization request: ${c.error}`);
    const nonce = randomBytes(16).toString('base64url');
    const offered = [...new Set(opts.groups?.() ?? [])].sort();
    const hidden = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method']
      .map((k) => html`<input type="hidden" name="${k}" value="${p.get(k) ?? ''}">`);
    const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sluice demo sign-in</title><style nonce="${nonce}">${STYLE}</style></head><body><main>
<h1>Sluice demo sign-in</h1>
<p class="warn" role="note">Demo identity issuer: anyone can sign in as anyone. Never run demo mode in production.</p>
<form method="post" action="${DEMO_LOGIN_BASE}/authorize">${hidden}
<label for="subject">Subject (user name)</label><input type="text" id="subject" name="subject" required maxlength="200" value="rita" autocomplete="username">
<fieldset class="g"><legend>Groups</legend>${offered.map((g) => html`<label><input type="checkbox" name="group" value="${g}"${g === 'reviewers' ? html` checked` : ''}> ${g}</label>`)}</fieldset>
<label for="more">Other groups (space or comma separated)</label><input type="text" id="more" name="groups" maxlength="500">
<p><button type="submit">Sign in</button></p></form></main></body></html>`;
    return {
      status: 200, raw: page.value, contentType: 'text/html; charset=utf-8',
      headers: [
        ['content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`],
        ['cache-control', 'no-store'], ['referrer-policy', 'no-referrer'], ['x-content-type-options', 'nosniff'],
      ],
    };
  }

  function approve(p: URLSearchParams): AdminRawResponse {
    const c = check(p);
    if ('error' in c) return text(400, `invalid authorization request: ${c.error}`);
    const subject = (p.get('subject') ?? '').trim();
    const groups = [...new Set([...p.getAll('group'), ...(p.get('groups') ?? '').split(/[\s,]+/)].filter((g) => GROUP_RE.test(g)))];
    if (subject === '' || subject.length > 200 || /[\u0000-\u001f\u007f]/.test(subject)) return text(400, 'subject must be 1 to 200 printable characters');
    const t = now();
    for (const [k, g] of codes) if (g.expires <= t || codes.size >= MAX_CODES) codes.delete(k);
    const code = randomBytes(32).toString('base64url');
    codes.set(code, { client: c.client, challenge: p.get('code_challenge')!, nonce: p.get('nonce') ?? '', subject, groups, expires: t + CODE_TTL_MS });
    const back = new URL(c.client.redirectUri);
    back.searchParams.set('code', code);
    if (p.get('state')) back.searchParams.set('state', p.get('state')!);
    return { status: 303, raw: '', contentType: 'text/plain', headers: [['location', back.toString()], ['cache-control', 'no-store']] };
  }

  async function exchange(p: URLSearchParams): Promise<AdminRawResponse> {
    if (p.get('grant_type') !== 'authorization_code') return oauthError(400, 'unsupported_grant_type');
    const code = p.get('code') ?? '';
    const g = codes.get(code);
    codes.delete(code); // one use, whatever happens next
    if (!g || g.expires <= now()) return oauthError(400, 'invalid_grant');
    if (p.get('client_id') !== g.client.clientId || p.get('redirect_uri') !== g.client.redirectUri) return oauthError(400, 'invalid_grant');
    const verifier = p.get('code_verifier') ?? '';
    if (!VERIFIER_RE.test(verifier) || createHash('sha256').update(verifier).digest('base64url') !== g.challenge) return oauthError(400, 'invalid_grant');
    const accessToken = await mintDemoToken(opts.dir, { subject: g.subject, groups: g.groups, ttlSeconds: TOKEN_TTL_S });
    const idToken = await signIdToken(g);
    const out = { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: TOKEN_TTL_S, scope: 'openid' };
    return { status: 200, raw: JSON.stringify(out), contentType: 'application/json', headers: [['cache-control', 'no-store'], ['pragma', 'no-cache']] };
  }

  async function signIdToken(g: Grant): Promise<string> {
    const { privateKeyFile } = await ensureDemoIssuer(opts.dir);
    const jwk = JSON.parse(await readFile(privateKeyFile, 'utf8')) as JWK;
    const t = Math.floor(now() / 1000);
    return new SignJWT({ groups: g.groups, ...(g.nonce ? { nonce: g.nonce } : {}), auth_time: t })
      .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'JWT' })
      .setIssuer(DEMO_ISSUER)
      .setAudience(g.client.clientId)
      .setSubject(g.subject)
      .setIssuedAt(t)
      .setExpirationTime(t + TOKEN_TTL_S)
      .setJti(randomUUID())
      .sign(await importJWK(jwk, 'EdDSA'));
  }

  return { handle };
}

function split(path: string): [string, string] {
  const i = path.indexOf('?');
  return i < 0 ? [path, ''] : [path.slice(0, i), path.slice(i + 1)];
}

function text(status: number, message: string): AdminRawResponse {
  return { status, raw: message, contentType: 'text/plain; charset=utf-8', headers: [['cache-control', 'no-store'], ['x-content-type-options', 'nosniff']] };
}

function oauthError(status: number, error: string): AdminRawResponse {
  return { status, raw: JSON.stringify({ error }), contentType: 'application/json', headers: [['cache-control', 'no-store']] };
}
