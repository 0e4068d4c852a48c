// The page around every console view: skip link, navigation by what the reviewer may see, who is signed in,
// sign-out (a CSRF-protected post), the keyboard help dialog, and the same-origin stylesheet and script.
import type { ReviewerAccess } from '../approval/access.js';
import { html, type Html } from './html.js';
import type { ConsoleAssets } from './assets.js';
import type { ConsoleUser } from './sessions.js';

export const BASE = '/sluice/console';

export interface View {
  user: ConsoleUser;
  access: ReviewerAccess;
  csrf: string;
  now: number;
  /** Pending approvals the reviewer may see, for the badge in the navigation. */
  pending?: number;
}

type Section = 'approvals' | 'audit' | 'shadow' | 'policies' | 'integrity';

const SECTIONS: Array<[Section, string, (a: ReviewerAccess) => boolean]> = [
  ['approvals', 'Approvals', (a) => a.any],
  ['audit', 'Sessions & audit', (a) => a.any],
  ['shadow', 'Shadow AI', (a) => a.operator || a.reviewer],
  ['policies', 'Policies', (a) => a.operator || a.reviewer],
  ['integrity', 'Audit integrity', (a) => a.operator || a.reviewer],
];

export const canSee = (section: Section, a: ReviewerAccess): boolean => SECTIONS.find(([s]) => s === section)![2](a);

function shell(assets: ConsoleAssets, title: string, head: Html, body: Html): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${title} · Sluice console</title>
<link rel="stylesheet" href="${assets.css.path}">${head}
<script src="${assets.js.path}" defer></script></head>
<body>${body}</body></html>`;
}

export function layout(assets: ConsoleAssets, v: View, current: Section, title: string, main: Html): Html {
  const nav = SECTIONS.filter(([, , allowed]) => allowed(v.access)).map(
    ([s, label]) => html`<li><a href="${BASE}/${s}"${s === current ? html` aria-current="page"` : ''}>${label}${
      s === 'approvals' ? html` <span class="count" data-pending-count aria-label="pending">${v.pending ? String(v.pending) : ''}</span>` : ''
    }</a></li>`,
  );
  const role = v.access.operator ? 'operator' : v.access.reviewer ? 'reviewer' : v.access.any ? 'rule reviewer' : 'no review rights';
  return shell(
    assets,
    title,
    html`<meta name="sluice-csrf" content="${v.csrf}">`,
    html`<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="${BASE}">Sluice</a>
<nav aria-label="Console"><ul>${nav}</ul></nav>
<div class="me"><span>Signed in as <strong>${v.user.subject}</strong> (${role})</span>
<form method="post" action="${BASE}/logout"><input type="hidden" name="_csrf" value="${v.csrf}"><button type="submit">Sign out</button></form></div>
</header>
<main id="main" tabindex="-1">${main}</main>
<dialog id="keys" aria-labelledby="keys-title"><h2 id="keys-title">Keyboard shortcuts</h2>
<p><kbd>j</kbd>/<kbd>k</kbd> next / previous request · <kbd>a</kbd> approve · <kbd>d</kbd> deny (type the reason, then Enter) ·
<kbd>o</kbd> open · <kbd>r</kbd> refresh · <kbd>Esc</kbd> leave a text field · <kbd>?</kbd> this help</p>
<form method="dialog"><button>Close</button></form></dialog>`,
  );
}

/** Signed out (or never signed in): what the console is and one way in. */
export function signInPage(assets: ConsoleAssets, loginHref: string | undefined, message?: string): Html {
  return shell(
    assets,
    'Sign in',
    html``,
    html`<main id="main"><h1>Sluice reviewer console</h1>
${message ? html`<p class="flash bad" role="alert">${message}</p>` : ''}
${loginHref
  ? html`<p>Review held requests, replay sessions, search the audit trail.</p><p><a class="button" href="${loginHref}">Sign in with your identity provider</a></p>`
  : html`<p>The console needs an OpenID Connect client: set <code>console.oidc</code> (issuer, clientId, redirectUri) in sluice.yaml. See docs/console.md.</p>`}
</main>`,
  );
}

export function messagePage(assets: ConsoleAssets, v: View | undefined, title: string, text: string): Html {
  const main = html`<h1>${title}</h1><p>${text}</p><p><a href="${BASE}">Back to the console</a></p>`;
  return v ? layout(assets, v, 'approvals', title, main) : shell(assets, title, html``, html`<main id="main">${main}</main>`);
}

/** After the IdP's redirect (a cross-site navigation) the SameSite=Strict cookie is only sent on a same-site one. */
export function continuePage(assets: ConsoleAssets, to: string): Html {
  return shell(assets, 'Signed in', html`<meta http-equiv="refresh" content="0;url=${to}">`, html`<main id="main"><p>Signed in. <a href="${to}">Continue to the console</a>.</p></main>`);
}
