import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createAuthenticator, type Authenticator, type AuthenticatorOptions } from '../../src/auth/authenticate.js';
import { validateIdentityConfig } from '../../src/auth/config.js';
import { SluiceError, errorBody } from '../../src/errors.js';
import { makeKey, sign, startIdp, unsigned, type TestIdp, type TestKey } from './idp.js';

const SERVICE_KEY = 'sk-sluice-0123456789abcdef0123456789abcdef';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let idp: TestIdp;
let rsa: TestKey;
let ec: TestKey;
let stranger: TestKey;

beforeAll(async () => {
  idp = await startIdp();
  [rsa, ec, stranger] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('ES256', 'ec-1')]);
  idp.setKeys([rsa.publicJwk, ec.publicJwk]);
});
afterAll(() => idp.close());

function authenticator(extra: Record<string, unknown> = {}, issuer: Record<string, unknown> = {}, opts?: AuthenticatorOptions): Authenticator {
  const cfg = validateIdentityConfig(
    {
      issuers: [{ issuer: idp.url, audience: ['sluice', 'other'], discovery: true, groupsClaim: 'realm_access.roles', jwksCooldownSeconds: 0, ...issuer }],
      serviceKeys: [{ id: 'flink', sha256: sha256(SERVICE_KEY), subject: 'svc-flink', groups: ['streaming'], job: 'nightly-etl' }],
      ...extra,
    },
    'identity',
  );
  return createAuthenticator(cfg, opts);
}

const claims = (over: Record<string, unknown> = {}) => ({
  iss: idp.url,
  aud: 'sluice',
  sub: 'alice',
  azp: 'spark-etl',
  jti: 'tok-1',
  realm_access: { roles: ['analysts', 'dev'] },
  ...over,
});
const bearer = (t: string, more: Record<string, string> = {}) => ({ authorization: `Bearer ${t}`, ...more });

async function failure(p: Promise<unknown>): Promise<SluiceError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SluiceError);
  return err as SluiceError;
}

describe('valid credentials', () => {
  it('builds the identity from a discovered issuer: nested groups, job from azp, session header', async () => {
    const auth = authenticator();
    const token = await sign(ec, claims());
    const id = await auth.authenticate(bearer(token, { 'x-sluice-session': 'conv-42:a' }), '127.0.0.1');
    expect(id).toEqual({ subject: 'alice', groups: ['analysts', 'dev'], job: 'spark-etl', session: 'conv-42:a', jti: 'tok-1', issuer: idp.url, via: 'jwt' });
  });

  it('accepts x-api-key (Anthropic SDKs), RS256, and client_id as the job when azp is absent', async () => {
    const auth = authenticator();
    const token = await sign(rsa, claims({ azp: undefined, client_id: 'flink-orders' }));
    const id = await auth.authenticate({ 'x-api-key': token }, '127.0.0.1');
    expect(id.job).toBe('flink-orders');
    expect(id.via).toBe('jwt');
  });

  it.each([
    ['missing', undefined],
    ['too long', 'x'.repeat(129)],
    ['with a space', 'a b'],
    ['with a newline', 'a\nb'],
  ])('generates a session when the header is %s', async (_name, session) => {
    const auth = authenticator();
    const token = await sign(ec, claims());
    const headers = bearer(token, session === undefined ? {} : { 'x-sluice-session': session });
    const [a, b] = [await auth.authenticate(headers, '127.0.0.1'), await auth.authenticate(headers, '127.0.0.1')];
    expect(a.session).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.session).not.toBe(b.session);
  });

  it('takes the job from x-sluice-job only when allowed and the token names none', async () => {
    const noJob = await sign(ec, claims({ azp: undefined }));
    const withJob = await sign(ec, claims());
    const hdr = { 'x-sluice-job': 'nightly-etl' };
    expect((await authenticator().authenticate(bearer(noJob, hdr), '127.0.0.1')).job).toBeUndefined();
    const allowing = authenticator({ allowJobHeader: true });
    expect((await allowing.authenticate(bearer(noJob, hdr), '127.0.0.1')).job).toBe('nightly-etl');
    expect((await allowing.authenticate(bearer(withJob, hdr), '127.0.0.1')).job).toBe('spark-etl');
    expect((await allowing.authenticate(bearer(noJob, { 'x-sluice-job': 'bad job!' }), '127.0.0.1')).job).toBeUndefined();
  });

  it('accepts a token expired by less than the clock skew', async () => {
    const token = await sign(ec, claims(), { exp: -10 });
    await expect(authenticator().authenticate(bearer(token), '127.0.0.1')).resolves.toMatchObject({ subject: 'alice' });
  });

  it('reads groups from a plain claim, a space-separated string, and a dotted claim name', async () => {
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ['groups', { groups: ['a', 'b', 7] }, ['a', 'b']],
      ['scope', { scope: 'read write' }, ['read', 'write']],
      ['https://example.com/groups', { 'https://example.com/groups': ['x'] }, ['x']],
    ];
    for (const [groupsClaim, extra, expected] of cases) {
      const token = await sign(ec, claims(extra));
      const id = await authenticator({}, { groupsClaim }).authenticate(bearer(token), '127.0.0.1');
      expect(id.groups).toEqual(expected);
    }
  });
});

describe('refused credentials', () => {
  const cases: Array<[string, () => Promise<string | Record<string, string>>, string]> = [
    ['no credential', async () => ({}), 'SLUICE_AUTH_MISSING'],
    ['a non-bearer scheme', async () => ({ authorization: 'Basic YWxpY2U6c2VjcmV0' }), 'SLUICE_AUTH_INVALID'],
    ['alg none', async () => unsigned(claims(), 'ec-1'), 'SLUICE_AUTH_ALG_NOT_ALLOWED'],
    ['HS256 signed with the public key as secret', async () =>
      new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setExpirationTime('1h').sign(Buffer.from(rsa.publicPem)), 'SLUICE_AUTH_ALG_NOT_ALLOWED'],
    ['an algorithm outside the allow-list', async () => sign(await makeKey('RS384', 'rsa-384'), claims()), 'SLUICE_AUTH_ALG_NOT_ALLOWED'],
    ['the wrong key under a known kid', async () => sign(stranger, claims()), 'SLUICE_AUTH_BAD_SIGNATURE'],
    ['a kid pointing nowhere', async () => sign(ec, claims(), { kid: 'nowhere' }), 'SLUICE_AUTH_UNKNOWN_KEY'],
    ['an unknown issuer', async () => sign(ec, claims({ iss: 'https://evil.example' })), 'SLUICE_AUTH_UNKNOWN_ISSUER'],
    ['no issuer', async () => sign(ec, claims({ iss: undefined })), 'SLUICE_AUTH_UNKNOWN_ISSUER'],
    ['the wrong audience', async () => sign(ec, claims({ aud: 'someone-else' })), 'SLUICE_AUTH_WRONG_AUDIENCE'],
    ['an expired token', async () => sign(ec, claims(), { exp: -120 }), 'SLUICE_AUTH_EXPIRED'],
    ['a token not valid yet', async () => sign(ec, claims(), { nbf: 300 }), 'SLUICE_AUTH_NOT_YET_VALID'],
    ['a token without exp', async () => sign(ec, claims(), { exp: null }), 'SLUICE_AUTH_INVALID'],
    ['a token without subject', async () => sign(ec, claims({ sub: undefined })), 'SLUICE_AUTH_INVALID'],
    ['a malformed JWT', async () => 'eyJub3QganNvbg.eyJ4IjoxfQ.c2ln', 'SLUICE_AUTH_INVALID'],
    ['a tampered payload', async () => {
      const [h, , s] = (await sign(ec, claims())).split('.');
      return `${h}.${Buffer.from(JSON.stringify(claims({ realm_access: { roles: ['admins'] } }))).toString('base64url')}.${s}`;
    }, 'SLUICE_AUTH_BAD_SIGNATURE'],
    ['an unknown service key', async () => 'sk-sluice-not-a-real-key-at-all', 'SLUICE_AUTH_UNKNOWN_KEY'],
  ];

  it.each(cases)('refuses %s, revealing nothing of the token', async (_name, make, code) => {
    const made = await make();
    const headers = typeof made === 'string' ? bearer(made) : made;
    const err = await failure(authenticator().authenticate(headers, '127.0.0.1'));
    expect(err.code).toBe(code);
    expect(err.status).toBe(401);
    const secret = typeof made === 'string' ? made : (made.authorization ?? '').replace(/^\w+ /, '');
    const shown = `${err.message} ${errorBody(err, 'openai')} ${errorBody(err, 'anthropic')} ${String(err.cause ?? '')}`;
    for (const piece of secret.split('.').filter((p) => p.length >= 8)) expect(shown).not.toContain(piece);
  });
});

describe('keys and caching', () => {
  it('picks up a rotated key (new kid) from the JWKS endpoint', async () => {
    const auth = authenticator();
    await auth.authenticate(bearer(await sign(ec, claims())), '127.0.0.1');
    const rotated = await makeKey('ES256', 'ec-2');
    idp.setKeys([rotated.publicJwk]);
    try {
      const before = idp.hits.jwks;
      const id = await auth.authenticate(bearer(await sign(rotated, claims({ sub: 'bob' }))), '127.0.0.1');
      expect(id.subject).toBe('bob');
      expect(idp.hits.jwks).toBe(before + 1);
    } finally {
      idp.setKeys([rsa.publicJwk, ec.publicJwk]);
    }
  });

  it('does not refetch keys for an unknown kid during the cooldown', async () => {
    const auth = authenticator({}, { jwksCooldownSeconds: 3600 });
    await auth.authenticate(bearer(await sign(ec, claims())), '127.0.0.1');
    const before = idp.hits.jwks;
    for (let i = 0; i < 3; i++) {
      expect((await failure(auth.authenticate(bearer(await sign(ec, claims(), { kid: `nowhere-${i}` })), '127.0.0.1'))).code).toBe('SLUICE_AUTH_UNKNOWN_KEY');
    }
    expect(idp.hits.jwks).toBe(before);
  });

  it('serves a repeated token from the cache without verifying or fetching again', async () => {
    const discoveryBefore = idp.hits.discovery;
    const auth = authenticator();
    const token = await sign(ec, claims());
    await auth.authenticate(bearer(token), '127.0.0.1');
    const jwksAfterFirst = idp.hits.jwks;
    await Promise.all(Array.from({ length: 10 }, () => auth.authenticate(bearer(token), '127.0.0.1')));
    expect(auth.stats()).toEqual({ verifications: 1, cacheHits: 10, serviceKeyHits: 0 });
    expect(idp.hits.jwks).toBe(jwksAfterFirst);
    expect(idp.hits.discovery).toBe(discoveryBefore + 1);
  });

  it('verifies concurrent first uses of one token once', async () => {
    const auth = authenticator();
    const token = await sign(ec, claims());
    const ids = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(bearer(token), '127.0.0.1')));
    expect(new Set(ids.map((i) => i.subject))).toEqual(new Set(['alice']));
    expect(auth.stats().verifications).toBe(1);
  });

  it('stops serving a cached token once it expires', async () => {
    let clock = Date.now();
    const auth = authenticator({}, {}, { now: () => clock });
    const token = await sign(ec, claims(), { exp: 60 });
    await auth.authenticate(bearer(token), '127.0.0.1');
    clock += 60_000 + 31_000;
    expect((await failure(auth.authenticate(bearer(token), '127.0.0.1'))).code).toBe('SLUICE_AUTH_EXPIRED');
    expect(auth.stats()).toMatchObject({ verifications: 2, cacheHits: 0 });
  });

  it('keeps at most cache.maxEntries verified tokens', async () => {
    const auth = authenticator({ cache: { maxEntries: 2 } });
    const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => sign(ec, claims({ sub }))));
    for (const t of tokens) await auth.authenticate(bearer(t), '127.0.0.1');
    await auth.authenticate(bearer(tokens[2]), '127.0.0.1');
    await auth.authenticate(bearer(tokens[0]), '127.0.0.1');
    expect(auth.stats()).toMatchObject({ verifications: 4, cacheHits: 1 });
  });

  it('uses a configured jwksUri directly, through the fetch option', async () => {
    const seen: string[] = [];
    const fetchSpy: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const auth = authenticator({}, { discovery: false, jwksUri: `${idp.url}/jwks` }, { fetch: fetchSpy });
    await auth.authenticate(bearer(await sign(ec, claims())), '127.0.0.1');
    expect(seen).toEqual([`${idp.url}/jwks`]);
  });

  it('answers 503 (not 401) when the discovery document names another issuer', async () => {
    idp.setDiscoveryIssuer('https://impostor.example');
    try {
      const err = await failure(authenticator().authenticate(bearer(await sign(ec, claims())), '127.0.0.1'));
      expect(err.code).toBe('SLUICE_AUTH_UNAVAILABLE');
    } finally {
      idp.setDiscoveryIssuer(idp.url);
    }
  });

  it('answers 503 when the key endpoint is unreachable', async () => {
    const down: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    const auth = authenticator({}, { discovery: false, jwksUri: `${idp.url}/jwks` }, { fetch: down });
    const err = await failure(auth.authenticate(bearer(await sign(ec, claims())), '127.0.0.1'));
    expect(err.code).toBe('SLUICE_AUTH_UNAVAILABLE');
    expect(err.status).toBe(503);
  });
});

describe('service keys', () => {
  it('maps a known key to its fixed identity, by bearer or x-api-key', async () => {
    const auth = authenticator();
    for (const headers of [bearer(SERVICE_KEY, { 'x-sluice-session': 's1' }), { 'x-api-key': SERVICE_KEY, 'x-sluice-session': 's1' }]) {
      expect(await auth.authenticate(headers, '127.0.0.1')).toEqual({ subject: 'svc-flink', groups: ['streaming'], job: 'nightly-etl', session: 's1', via: 'service-key' });
    }
    expect(auth.stats().serviceKeyHits).toBe(2);
  });

  it('refuses a key that differs in one character', async () => {
    const wrong = `${SERVICE_KEY.slice(0, -1)}0`;
    expect((await failure(authenticator().authenticate(bearer(wrong), '127.0.0.1'))).code).toBe('SLUICE_AUTH_UNKNOWN_KEY');
  });

  it('honours allowFrom', async () => {
    const key = { id: 'k', sha256: sha256(SERVICE_KEY), subject: 'svc', groups: [], allowFrom: ['10.0.0.0/8', '2001:db8::/32'] };
    const auth = authenticator({ serviceKeys: [key] });
    for (const remote of ['10.1.2.3', '::ffff:10.1.2.3', '2001:db8::1']) {
      await expect(auth.authenticate(bearer(SERVICE_KEY), remote)).resolves.toMatchObject({ subject: 'svc' });
    }
    for (const remote of ['127.0.0.1', '192.168.0.1', 'not-an-ip']) {
      expect((await failure(auth.authenticate(bearer(SERVICE_KEY), remote))).code).toBe('SLUICE_AUTH_UNKNOWN_KEY');
    }
  });
});
