// The `console` section of sluice.yaml: its part of the one config schema, the types and the defaults.
import * as v from 'valibot';
import { bool, def, httpUrl, int, list, nonEmptyList, obj, opt, req, section, text } from '../config/kit.js';
import { parseSection } from '../config/problems.js';

const oidc = obj({
  issuer: req(text(), { description: 'Exact `iss` of the IdP; must also be trusted under `identity.issuers` (its keys and claim mapping).', examples: ['https://login.example.com/realms/data'] }),
  clientId: req(text(), { description: 'The console\'s client id at the IdP.', examples: ['sluice-console'] }),
  clientSecret: opt(text(), { description: 'Confidential clients only (sent with HTTP Basic); PKCE is used either way.', examples: ['${SLUICE_CONSOLE_SECRET}'], secret: true }),
  redirectUri: req(
    v.pipe(httpUrl(), v.check((s) => new URL(s).pathname.endsWith('/sluice/console/callback'), 'must end with /sluice/console/callback')),
    { description: 'Registered with the IdP.', examples: ['https://sluice.example.com/sluice/console/callback'] },
  ),
  scopes: def(v.pipe(nonEmptyList(text()), v.check((s) => s.includes('openid'), 'must include openid')), ['openid', 'profile'], 'Scopes asked for.'),
  authorizationEndpoint: opt(httpUrl(), { description: 'Without both endpoints, they come from the issuer\'s discovery document.', examples: ['https://login.example.com/auth'] }),
  tokenEndpoint: opt(httpUrl(), { description: 'Without both endpoints, they come from the issuer\'s discovery document.', examples: ['https://login.example.com/token'] }),
});

export const ConsoleSchema = section({
  enabled: def(bool(), true, 'Serve the reviewer console at `/sluice/console`.'),
  oidc: opt(oidc, 'Sign-in (OIDC code flow with PKCE). Absent outside demo mode: the console then only explains how to configure it.'),
  session: section({
    idleMinutes: def(int(1, 24 * 60), 30, 'A session ends after this long without use.'),
    absoluteHours: def(int(1, 7 * 24), 8, 'A session ends this long after sign-in.'),
  }, 'Console sessions.'),
  shadowLogs: def(list(text()), [], { description: 'Proxy/access/flow logs the shadow-AI page scans on request (as `sluice shadow scan`).', examples: [['/var/log/squid/access.log']] }),
}, 'The reviewer console.');

export type ConsoleConfig = v.InferOutput<typeof ConsoleSchema>;
export type ConsoleOidcConfig = NonNullable<ConsoleConfig['oidc']>;

export const CONSOLE_DEFAULTS = Object.freeze(v.parse(ConsoleSchema, undefined));

/** Validates a `console` section given in code; throws a ConfigError listing every problem. */
export function validateConsoleConfig(raw: unknown, at = 'console'): ConsoleConfig {
  return Object.freeze(parseSection(ConsoleSchema, raw, at.split('.')));
}
