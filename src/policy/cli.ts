// `sluice policy check [dir]` and `sluice policy explain --token T --request req.json [--path P]`.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeJwt, type JWTPayload } from 'jose';
import type { Identity } from '../types.js';
import { checkCommand, explain } from './explain.js';
import { loadPolicyDir, formatIssue } from './load.js';

export interface PolicyCliDeps {
  /** Verifies a token the way the gateway does (auth/). Without it, claims are decoded unverified. */
  authenticate?: (token: string) => Promise<Identity>;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export const USAGE = [
  'usage: sluice policy check [dir]',
  '       sluice policy explain --token T --request req.json [--path /openai/v1/chat/completions]',
  '                             [--dir policies] [--justification TEXT] [--job NAME]',
].join('\n');

/** Exit codes: 0 ok, 1 invalid policy or failed explain, 2 usage. */
export async function policyCommand(argv: string[], deps: PolicyCliDeps = {}): Promise<number> {
  const out = deps.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const err = deps.err ?? ((s: string) => process.stderr.write(`${s}\n`));
  const [sub, ...rest] = argv;
  try {
    if (sub === 'check') return await runCheck(rest, out, err);
    if (sub === 'explain') return await runExplain(rest, deps, out, err);
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return 2;
  }
  err(USAGE);
  return 2;
}

async function runCheck(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const dir = positionals[0] ?? 'policies';
  const problems = await checkCommand(dir);
  for (const p of problems) err(p);
  if (problems.length === 0) out(`${dir}: policy OK`);
  return problems.length === 0 ? 0 : 1;
}

async function runExplain(args: string[], deps: PolicyCliDeps, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      token: { type: 'string' }, request: { type: 'string' }, path: { type: 'string' },
      dir: { type: 'string' }, justification: { type: 'string' }, job: { type: 'string' },
    },
  });
  if (!values.token || !values.request) {
    err(USAGE);
    return 2;
  }
  const loaded = await loadPolicyDir(values.dir ?? 'policies');
  if (!loaded.ok) {
    for (const i of loaded.issues) err(formatIssue(i));
    return 1;
  }
  const raw = await readFile(values.request, 'utf8');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    err(`${values.request}: not valid JSON`);
    return 1;
  }
  const who = await identify(values.token, deps.authenticate);
  if (!who.identity) {
    err(`token refused: ${who.reason}`);
    return 1;
  }
  out(explain(loaded.policy, who.identity, body, values.path ?? '/openai/v1/chat/completions', {
    bodyBytes: Buffer.byteLength(raw),
    notes: who.notes,
    ...(values.justification === undefined ? {} : { justification: values.justification }),
    ...(values.job === undefined ? {} : { jobHeader: values.job }),
  }));
  return 0;
}

async function identify(token: string, authenticate: PolicyCliDeps['authenticate']): Promise<{ identity?: Identity; reason?: string; notes: string[] }> {
  if (authenticate) {
    try {
      return { identity: await authenticate(token), notes: ['token verified'] };
    } catch (e) {
      // The reason is the auth module's safe message; the token itself is never printed.
      return { reason: e instanceof Error ? e.message : 'invalid token', notes: [] };
    }
  }
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    return { reason: 'not a JWT', notes: [] };
  }
  return { identity: identityFromClaims(claims), notes: ['token NOT verified (no authenticator wired): claims decoded only'] };
}

/** Common claim names; the gateway's auth module uses configured claim paths instead. */
export function identityFromClaims(claims: JWTPayload): Identity {
  const c = claims as Record<string, unknown>;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const groups = [...list(c.groups), ...list(c.roles), ...list((c.realm_access as { roles?: unknown } | undefined)?.roles)];
  const job = typeof c.azp === 'string' ? c.azp : typeof c.client_id === 'string' ? c.client_id : undefined;
  return {
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    groups: [...new Set(groups)],
    ...(job === undefined ? {} : { job }),
    session: 'explain',
    ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}),
    ...(typeof claims.iss === 'string' ? { issuer: claims.iss } : {}),
    via: 'jwt',
  };
}
