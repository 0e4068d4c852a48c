// The `console` section of sluice.yaml: typed, frozen defaults and validation with messages naming the key.
import { Reader } from '../config/check.js';

export interface ConsoleOidcConfig {
  /** Exact `iss` of the IdP; must also be trusted under identity.issuers (its keys and claim mapping). */
  issuer: string;
  clientId: string;
  /** Confidential clients only (sent with HTTP Basic); PKCE is used either way. */
  clientSecret?: string;
  /** `https://sluice.example.com/sluice/console/callback`, registered with the IdP. */
  redirectUri: string;
  scopes: string[];
  /** Without both, endpoints come from the issuer's discovery document. */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
}

export interface ConsoleConfig {
  enabled: boolean;
  /** Absent outside demo mode: the console then only explains how to configure it. */
  oidc?: ConsoleOidcConfig;
  session: { idleMinutes: number; absoluteHours: number };
  /** Proxy/access/flow logs the shadow-AI page scans on request (as `sluice shadow scan`). */
  shadowLogs: string[];
}

export const CONSOLE_DEFAULTS = Object.freeze({ enabled: true, idleMinutes: 30, absoluteHours: 8, scopes: Object.freeze(['openid', 'profile']) });

const KEYS = ['enabled', 'oidc', 'session', 'shadowLogs'];
const OIDC_KEYS = ['issuer', 'clientId', 'clientSecret', 'redirectUri', 'scopes', 'authorizationEndpoint', 'tokenEndpoint'];

export function validateConsoleConfig(raw: unknown, at = 'console'): ConsoleConfig {
  const r = new Reader();
  const cfg = readConsoleConfig(raw, r, [at]);
  r.done();
  return cfg;
}

export function readConsoleConfig(raw: unknown, r: Reader, p: string[]): ConsoleConfig {
  const o = r.obj(raw, p, KEYS);
  const s = r.obj(o.session, [...p, 'session'], ['idleMinutes', 'absoluteHours']);
  const d = CONSOLE_DEFAULTS;
  const cfg: ConsoleConfig = {
    enabled: r.bool(o.enabled, [...p, 'enabled'], d.enabled),
    session: {
      idleMinutes: r.int(s.idleMinutes, [...p, 'session', 'idleMinutes'], d.idleMinutes, 1, 24 * 60),
      absoluteHours: r.int(s.absoluteHours, [...p, 'session', 'absoluteHours'], d.absoluteHours, 1, 7 * 24),
    },
    shadowLogs: r.arr(o.shadowLogs, [...p, 'shadowLogs']).map((v, i) => r.str(v, [...p, 'shadowLogs', String(i)])),
  };
  if (o.oidc !== undefined && o.oidc !== null) cfg.oidc = readOidc(r, o.oidc, [...p, 'oidc']);
  return Object.freeze(cfg);
}

function readOidc(r: Reader, v: unknown, p: string[]): ConsoleOidcConfig {
  const o = r.obj(v, p, OIDC_KEYS);
  const scopes = o.scopes === undefined ? [...CONSOLE_DEFAULTS.scopes] : r.arr(o.scopes, [...p, 'scopes']).map((x, i) => r.str(x, [...p, 'scopes', String(i)]));
  if (!scopes.includes('openid')) r.fail([...p, 'scopes'], 'must include openid');
  const out: ConsoleOidcConfig = {
    issuer: r.str(o.issuer, [...p, 'issuer']),
    clientId: r.str(o.clientId, [...p, 'clientId']),
    redirectUri: r.str(o.redirectUri, [...p, 'redirectUri']),
    scopes,
  };
  const redirect = url(r, out.redirectUri, [...p, 'redirectUri']);
  if (redirect && !redirect.pathname.endsWith('/sluice/console/callback')) r.fail([...p, 'redirectUri'], 'must end with /sluice/console/callback');
  const secret = r.optStr(o.clientSecret, [...p, 'clientSecret']);
  if (secret) out.clientSecret = secret;
  for (const k of ['authorizationEndpoint', 'tokenEndpoint'] as const) {
    const e = r.optStr(o[k], [...p, k]);
    if (e !== undefined && url(r, e, [...p, k])) out[k] = e;
  }
  return Object.freeze(out);
}

function url(r: Reader, v: string, p: string[]): URL | undefined {
  if (v === '') return undefined;
  try {
    const u = new URL(v);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u;
  } catch {
    // reported below
  }
  r.fail(p, 'expected an http(s) URL');
  return undefined;
}
