// Console sessions: idle and absolute timeouts, one-use sign-in state, bounded size, cookies looked up by hash.
import { describe, expect, it } from 'vitest';
import { createSessionStore } from '../../src/console/sessions.js';
import { escapeHtml, html } from '../../src/console/html.js';
import { validateConsoleConfig } from '../../src/console/config.js';

const MIN = 60_000;

function store(maxSessions?: number) {
  const clock = { t: 1_000_000 };
  const s = createSessionStore({ idleMs: 30 * MIN, absoluteMs: 8 * 60 * MIN, now: () => clock.t, ...(maxSessions ? { maxSessions } : {}) });
  return { s, clock };
}

describe('console sessions', () => {
  it('ends a session after the idle timeout; activity keeps it alive', () => {
    const { s, clock } = store();
    const { id } = s.create({ subject: 'rita', groups: ['reviewers'] });
    clock.t += 29 * MIN;
    expect(s.get(id)?.user.subject).toBe('rita');
    clock.t += 29 * MIN; // 29 min after the last use
    expect(s.get(id)).toBeDefined();
    clock.t += 30 * MIN;
    expect(s.get(id)).toBeUndefined();
    clock.t -= 60 * MIN; // and it is gone for good, not just hidden
    expect(s.get(id)).toBeUndefined();
  });

  it('ends a session at the absolute timeout however active it is', () => {
    const { s, clock } = store();
    const { id } = s.create({ subject: 'rita', groups: [] });
    for (let i = 0; i < 16; i++) {
      clock.t += 29 * MIN;
      expect(s.get(id), `after ${(i + 1) * 29} min`).toBeDefined();
    }
    clock.t += 20 * MIN; // 484 min > 8 h
    expect(s.get(id)).toBeUndefined();
  });

  it('gives each session its own random id and CSRF token; unknown and oversized ids are nobody', () => {
    const { s } = store();
    const a = s.create({ subject: 'a', groups: [] });
    const b = s.create({ subject: 'b', groups: [] });
    expect(a.id).not.toBe(b.id);
    expect(a.session.csrf).not.toBe(b.session.csrf);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.get(undefined)).toBeUndefined();
    expect(s.get('x'.repeat(1000))).toBeUndefined();
    s.destroy(a.id);
    expect(s.get(a.id)).toBeUndefined();
    expect(s.get(b.id)?.user.subject).toBe('b');
  });

  it('keeps sign-in state for one use and ten minutes', () => {
    const { s, clock } = store();
    const { state, login } = s.startLogin('/sluice/console/audit');
    expect(login.verifier.length).toBeGreaterThanOrEqual(43);
    expect(s.takeLogin(state)?.returnTo).toBe('/sluice/console/audit');
    expect(s.takeLogin(state)).toBeUndefined();
    const late = s.startLogin('/x');
    clock.t += 11 * MIN;
    expect(s.takeLogin(late.state)).toBeUndefined();
  });

  it('stays bounded: the oldest session goes when full', () => {
    const { s } = store(3);
    const ids = [1, 2, 3, 4].map((i) => s.create({ subject: `u${i}`, groups: [] }).id);
    expect(s.size).toBe(3);
    expect(s.get(ids[0])).toBeUndefined();
    expect(s.get(ids[3])?.user.subject).toBe('u4');
  });
});

describe('html escaping', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"><img src=x onerror=a()>', '&quot;&gt;&lt;img src=x onerror=a()&gt;'],
    ["' onmouseover='x", '&#39; onmouseover=&#39;x'],
    ['`${x}`', '&#96;${x}&#96;'],
    ['a & b', 'a &amp; b'],
    ['nul\u0000 esc\u001b tab\tnl\n', 'nul\ufffd esc\ufffd tab\tnl\n'],
  ])('%j', (input, out) => {
    expect(escapeHtml(input)).toBe(out);
    expect(html`<p title="${input}">${input}</p>`.value).toBe(`<p title="${out}">${out}</p>`);
  });

  it('passes only values built by html`` through unescaped; arrays are joined, null/false dropped', () => {
    expect(html`<ul>${['<a>', html`<li>ok</li>`, null, false, 3]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>ok</li>3</ul>');
  });
});

describe('console config', () => {
  it.each([
    [{ oidc: { clientId: 'c', redirectUri: 'https://s/sluice/console/callback' } }, 'console.oidc.issuer: is required'],
    [{ oidc: { issuer: 'https://idp', clientId: 'c', redirectUri: 'https://s/elsewhere' } }, 'console.oidc.redirectUri: must end with /sluice/console/callback'],
    [{ oidc: { issuer: 'https://idp', clientId: 'c', redirectUri: 'ftp://s/sluice/console/callback' } }, 'console.oidc.redirectUri: expected an http(s) URL'],
    [{ oidc: { issuer: 'https://idp', clientId: 'c', redirectUri: 'https://s/sluice/console/callback', scopes: ['profile'] } }, 'console.oidc.scopes: must include openid'],
    [{ session: { idleMinutes: 0 } }, 'console.session.idleMinutes: expected an integer from 1 to 1440, found 0'],
    [{ shadowLogs: 'squid.log' }, 'console.shadowLogs: expected a list'],
    [{ theme: 'dark' }, 'console.theme: unknown key (expected one of: enabled, oidc, session, shadowLogs)'],
  ])('%j → %s', (raw, message) => {
    expect(() => validateConsoleConfig(raw)).toThrow(message);
  });

  it('has safe defaults', () => {
    expect(validateConsoleConfig(undefined)).toEqual({ enabled: true, session: { idleMinutes: 30, absoluteHours: 8 }, shadowLogs: [] });
  });
});
