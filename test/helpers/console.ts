// Signing in to the reviewer console through the demo issuer, the way a browser does (cookies by hand).
import { request } from 'undici';

export interface ConsoleClient {
  cookie: string;
  csrf: string;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>;
}

type Res = { status: number; headers: Record<string, string | string[] | undefined>; text: string };

export async function raw(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<Res> {
  const res = await request(url, { method, headers, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

export const setCookies = (h: Res['headers']): string[] => {
  const v = h['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

export const cookieValue = (h: Res['headers'], name: string): string | undefined =>
  setCookies(h).map((c) => c.split(';')[0]).find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1);

/** The whole code flow: /login → demo /authorize (form) → /callback. Returns the session cookie and CSRF token. */
export async function signIn(base: string, subject: string, groups: string[]): Promise<ConsoleClient> {
  const start = await raw(`${base}/sluice/console/login`, 'GET');
  if (start.status !== 302) throw new Error(`login answered ${start.status}`);
  const loginCookie = `sluice-login=${cookieValue(start.headers, 'sluice-login')}`;
  const authorize = new URL(String(start.headers.location));
  const form = new URLSearchParams(authorize.searchParams);
  form.set('subject', subject);
  for (const g of groups) form.append('group', g);
  const granted = await raw(`${base}/sluice/demo/login/authorize`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
  if (granted.status !== 303) throw new Error(`authorize answered ${granted.status}: ${granted.text}`);
  const back = await raw(String(granted.headers.location), 'GET', { cookie: loginCookie });
  if (back.status !== 200) throw new Error(`callback answered ${back.status}: ${back.text}`);
  const cookie = `sluice-console=${cookieValue(back.headers, 'sluice-console')}`;
  const page = await raw(`${base}/sluice/console/approvals`, 'GET', { cookie });
  const csrf = /name="sluice-csrf" content="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return {
    cookie,
    csrf,
    get: (path, headers = {}) => raw(`${base}${path}`, 'GET', { cookie, ...headers }),
    post: (path, body, headers = {}) =>
      raw(`${base}${path}`, 'POST', { cookie, 'content-type': 'application/json', accept: 'application/json', 'x-sluice-csrf': csrf, ...headers }, JSON.stringify(body)),
  };
}
