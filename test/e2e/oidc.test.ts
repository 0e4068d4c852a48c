// OIDC end to end (issue 5): a local identity provider (discovery + JWKS) trusted by a whole Sluice, called
// with the official OpenAI SDK. Valid tokens pass, forged ones get 401 with the right code, rotated keys are
// picked up, groups decide the outcome, and a broken policy file on hot reload leaves the old policy in force.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import OpenAI from 'openai';
import { SignJWT } from 'jose';
import { makeKey, sign, startIdp, unsigned, type TestIdp, type TestKey } from '../auth/idp.js';
import { startStack, REPO, type Stack } from '../helpers/stack.js';

// The policy store's reload outcomes, observed by wrapping its callbacks: the gateway logs them to a silent logger.
const reloads = vi.hoisted(() => ({ ok: 0, failed: 0 }));
vi.mock('../../src/policy/load.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/policy/load.js')>();
  return {
    ...mod,
    createPolicyStore: (dir: string, opts: Parameters<typeof mod.createPolicyStore>[1] = {}) =>
      mod.createPolicyStore(dir, {
        ...opts,
        onReload: (p) => (reloads.ok++, opts.onReload?.(p)),
        onError: (i) => (reloads.failed++, opts.onError?.(i)),
      }),
  };
});

const CARD = '4111 1111 1111 1111';
const CARD_DIGITS = '4111111111111111';
const FIXTURES = join(REPO, 'test/fixtures/e2e/policy-reload');

let idp: TestIdp;
let ec: TestKey;
let rsa: TestKey;
let stack: Stack;
let policyDir: string;

beforeAll(async () => {
  idp = await startIdp();
  [ec, rsa] = await Promise.all([makeKey('ES256', 'ec-1'), makeKey('RS256', 'rsa-1')]);
  idp.setKeys([ec.publicJwk, rsa.publicJwk]);
  policyDir = mkdtempSync(join(tmpdir(), 'sluice-e2e-policies-'));
  copyFileSync(join(REPO, 'policies/default.yaml'), join(policyDir, 'default.yaml'));
  stack = await startStack({
    policiesDir: policyDir,
    config: {
      // No cooldown: the rotation test must not wait out a refetch triggered by the unknown-kid case.
      identity: { issuers: [{ issuer: idp.url, audience: ['sluice'], discovery: true, groupsClaim: 'realm_access.roles', jwksCooldownSeconds: 0 }] },
      policies: { watch: true },
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await idp?.close();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

const claims = (roles: string[], over: Record<string, unknown> = {}) => ({ iss: idp.url, aud: 'sluice', sub: 'alice', azp: 'notebook', realm_access: { roles }, ...over });
const client = (token: string) => new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0 });
const ask = (token: string, content = 'hello') => client(token).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

/** Polls until `done()` holds; fails after `ms` rather than hanging. */
async function until(done: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tokens from the OIDC provider', () => {
  it('a valid token for analysts gets 200, and the card is masked before the provider sees it', async () => {
    const res = await ask(await sign(ec, claims(['analysts'])), `pay with ${CARD}`);
    expect(res.choices[0].message.content).toContain('pay with');
    expect(stack.mock.received.at(-1)!.body.replace(/\D/g, '')).not.toContain(CARD_DIGITS);
    expect(idp.hits.discovery).toBeGreaterThan(0);
  });

  const forged: Array<[string, () => Promise<string>, string]> = [
    ['alg none', async () => unsigned(claims(['analysts']), 'ec-1'), 'SLUICE_AUTH_ALG_NOT_ALLOWED'],
    ['a key the provider never published (same kid)', async () => sign(await makeKey('ES256', 'ec-1'), claims(['analysts'])), 'SLUICE_AUTH_BAD_SIGNATURE'],
    ['a wrong issuer', async () => sign(ec, claims(['analysts'], { iss: 'https://evil.example' })), 'SLUICE_AUTH_UNKNOWN_ISSUER'],
    ['a wrong audience', async () => sign(ec, claims(['analysts'], { aud: 'another-app' })), 'SLUICE_AUTH_WRONG_AUDIENCE'],
    ['an expired token', async () => sign(ec, claims(['analysts']), { exp: -600 }), 'SLUICE_AUTH_EXPIRED'],
    ['a token not valid yet', async () => sign(ec, claims(['analysts']), { nbf: 600 }), 'SLUICE_AUTH_NOT_YET_VALID'],
    ['a kid pointing nowhere', async () => sign(ec, claims(['analysts']), { kid: 'nowhere' }), 'SLUICE_AUTH_UNKNOWN_KEY'],
    ['HS256 signed with the public key as secret', async () =>
      new SignJWT(claims(['analysts'])).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setExpirationTime('1h').sign(Buffer.from(rsa.publicPem)), 'SLUICE_AUTH_ALG_NOT_ALLOWED'],
    ['a tampered payload', async () => {
      const [h, , s] = (await sign(ec, claims(['interns']))).split('.');
      return `${h}.${Buffer.from(JSON.stringify(claims(['analysts'], { exp: Math.floor(Date.now() / 1000) + 3600 }))).toString('base64url')}.${s}`;
    }, 'SLUICE_AUTH_BAD_SIGNATURE'],
  ];
  it.each(forged)('refuses %s with 401 and the code in the OpenAI error body', async (_name, make, code) => {
    const before = stack.mock.received.length;
    const token = await make();
    const err = await refusal(ask(token));
    expect(err.status).toBe(401);
    expect(err.code).toBe(code);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.type).toBe('invalid_request_error'); // OpenAI's own shape for a 401
    expect(JSON.stringify(err.error)).not.toContain(token.split('.')[1]);
    expect(stack.mock.received.length).toBe(before);
  });

  it('picks up a rotated signing key (new kid) from the JWKS endpoint', async () => {
    const rotated = await makeKey('ES256', 'ec-2');
    const before = idp.hits.jwks;
    idp.setKeys([rotated.publicJwk, rsa.publicJwk]);
    try {
      const res = await ask(await sign(rotated, claims(['analysts'], { sub: 'bob' })));
      expect(res.choices[0].message.content).toContain('hello');
      expect(idp.hits.jwks).toBeGreaterThan(before);
    } finally {
      idp.setKeys([ec.publicJwk, rsa.publicJwk]);
    }
  });
});

describe('groups from realm_access.roles decide the outcome', () => {
  it('the same request: analysts 200 masked, a group no rule grants 403', async () => {
    const content = `refund ${CARD} today`;
    const ok = await ask(await sign(ec, claims(['analysts'], { sub: 'ann' })), content);
    expect(ok.choices[0].message.content).toContain('refund');
    expect(stack.mock.received.at(-1)!.body.replace(/\D/g, '')).not.toContain(CARD_DIGITS);
    const before = stack.mock.received.length;
    const err = await refusal(ask(await sign(ec, claims(['interns'], { sub: 'ivan' })), content));
    expect(err.status).toBe(403);
    expect(err.message).toContain('no policy rule allows this caller');
    expect(stack.mock.received.length).toBe(before);
  });
});

describe('policy hot reload', () => {
  it('keeps the old policy when the file is broken, and applies the next valid change', async () => {
    const analyst = await sign(ec, claims(['analysts'], { sub: 'ann' }));
    const intern = await sign(ec, claims(['interns'], { sub: 'ivan' }));
    const good = readFileSync(join(policyDir, 'default.yaml'), 'utf8');

    for (const broken of ['broken-syntax.yaml', 'wrong-schema.yaml']) {
      const failed = reloads.failed;
      writeFileSync(join(policyDir, 'default.yaml'), readFileSync(join(FIXTURES, broken), 'utf8'));
      await until(() => reloads.failed > failed);
      const res = await ask(analyst, `still ${CARD}`);
      expect(res.choices[0].message.content).toContain('still');
      expect(stack.mock.received.at(-1)!.body.replace(/\D/g, '')).not.toContain(CARD_DIGITS);
      expect((await refusal(ask(intern))).status).toBe(403);
    }

    const okBefore = reloads.ok;
    const widened = good.replace('match: { groups: [analysts] }', 'match: { groups: [analysts, interns] }');
    expect(widened).not.toBe(good);
    writeFileSync(join(policyDir, 'default.yaml'), widened);
    await until(() => reloads.ok > okBefore);
    const res = await ask(intern, `now ${CARD}`);
    expect(res.choices[0].message.content).toContain('now');
    expect(stack.mock.received.at(-1)!.body.replace(/\D/g, '')).not.toContain(CARD_DIGITS);
  });
});
