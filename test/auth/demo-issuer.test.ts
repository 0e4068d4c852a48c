import { mkdtemp, readFile, rm, stat, chmod, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createAuthenticator } from '../../src/auth/authenticate.js';
import { validateIdentityConfig } from '../../src/auth/config.js';
import { tokenCommand } from '../../src/auth/token-cli.js';
import { demoIssuerEntry, ensureDemoIssuer, mintDemoToken } from '../../src/demo/issuer.js';
import { makeKey, sign } from './idp.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-demo-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const posix = process.platform !== 'win32';

async function demoAuthenticator() {
  const demo = await ensureDemoIssuer(dir);
  return createAuthenticator(validateIdentityConfig({ issuers: [demoIssuerEntry(demo)] }, 'identity'));
}

function capture() {
  let text = '';
  return { write: (s: string) => (text += s), get text() { return text; } };
}

describe('demo issuer', () => {
  it('creates a key pair once: private key 0600, public JWKS without the private part', async () => {
    const a = await ensureDemoIssuer(dir);
    expect(a).toMatchObject({ issuer: 'sluice-demo', audience: 'sluice' });
    if (posix) expect((await stat(a.privateKeyFile)).mode & 0o777).toBe(0o600);
    const jwks = JSON.parse(await readFile(a.jwksFile, 'utf8'));
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    const privateBefore = await readFile(a.privateKeyFile, 'utf8');
    await ensureDemoIssuer(dir);
    expect(await readFile(a.privateKeyFile, 'utf8')).toBe(privateBefore);
  });

  it('agrees on one key when started concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureDemoIssuer(dir)));
    const kids = await Promise.all(results.map(async (r) => JSON.parse(await readFile(r.jwksFile, 'utf8')).keys[0].kid));
    expect(new Set(kids).size).toBe(1);
    const token = await mintDemoToken(dir, { subject: 'alice', groups: ['analysts'] });
    expect(decodeProtectedHeader(token).kid).toBe(kids[0]);
  });

  it.runIf(posix)('tightens a private key file left group- or world-readable', async () => {
    const { privateKeyFile } = await ensureDemoIssuer(dir);
    await chmod(privateKeyFile, 0o644);
    await ensureDemoIssuer(dir);
    expect((await stat(privateKeyFile)).mode & 0o777).toBe(0o600);
  });

  it('refuses a private key file that is not a demo key', async () => {
    await writeFile(join(dir, 'issuer-key.jwk.json'), '{"kty":"RSA"}', { mode: 0o600 });
    await expect(ensureDemoIssuer(dir)).rejects.toThrow('not a demo issuer key (delete it to create a new one)');
  });

  it('mints tokens the gateway accepts: groups, job as azp, ttl', async () => {
    const auth = await demoAuthenticator();
    const token = await mintDemoToken(dir, { subject: 'alice', groups: ['analysts', 'dev'], job: 'nightly-etl', ttlSeconds: 120 });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'sluice-demo', aud: 'sluice', sub: 'alice', azp: 'nightly-etl' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
    const id = await auth.authenticate({ authorization: `Bearer ${token}` }, '127.0.0.1');
    expect(id).toMatchObject({ subject: 'alice', groups: ['analysts', 'dev'], job: 'nightly-etl', issuer: 'sluice-demo', via: 'jwt' });
  });

  it.each([
    [{ subject: 'a', groups: [], ttlSeconds: 0 }, 'ttl must be an integer between 1 and 2592000 seconds'],
    [{ subject: 'a', groups: [], ttlSeconds: 1.5 }, 'ttl must be an integer between 1 and 2592000 seconds'],
    [{ subject: '', groups: [] }, 'subject must not be empty'],
  ])('refuses to mint %o', async (req, message) => {
    await expect(mintDemoToken(dir, req)).rejects.toThrow(message);
  });

  it('trusts a demo issuer and a second issuer side by side', async () => {
    const other = await makeKey('ES256', 'other-1');
    const otherJwks = join(dir, 'other-jwks.json');
    await writeFile(otherJwks, JSON.stringify({ keys: [other.publicJwk] }));
    const demo = await ensureDemoIssuer(dir);
    const cfg = validateIdentityConfig({ issuers: [demoIssuerEntry(demo), { issuer: 'corp', audience: 'sluice', jwksFile: otherJwks }] }, 'identity');
    const auth = createAuthenticator(cfg);
    const corpToken = await sign(other, { iss: 'corp', aud: 'sluice', sub: 'bob', groups: ['ops'] });
    const demoToken = await mintDemoToken(dir, { subject: 'alice', groups: ['analysts'] });
    expect((await auth.authenticate({ authorization: `Bearer ${corpToken}` }, '::1')).subject).toBe('bob');
    expect((await auth.authenticate({ 'x-api-key': demoToken }, '::1')).subject).toBe('alice');
  });

  it('re-reads a JWKS file when a new kid appears (file rotation)', async () => {
    const [k1, k2] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k2')]);
    const file = join(dir, 'rotating.json');
    await writeFile(file, JSON.stringify({ keys: [k1.publicJwk] }));
    const cfg = validateIdentityConfig({ issuers: [{ issuer: 'corp', audience: 'sluice', jwksFile: file, jwksCooldownSeconds: 0 }] }, 'identity');
    const auth = createAuthenticator(cfg);
    const claims = { iss: 'corp', aud: 'sluice', sub: 'carol' };
    await auth.authenticate({ authorization: `Bearer ${await sign(k1, claims)}` }, '::1');
    await writeFile(file, JSON.stringify({ keys: [k1.publicJwk, k2.publicJwk] }));
    expect((await auth.authenticate({ authorization: `Bearer ${await sign(k2, claims)}` }, '::1')).subject).toBe('carol');
  });

  it('fails start with a clear message when a jwksFile is missing', () => {
    const cfg = validateIdentityConfig({ issuers: [{ issuer: 'corp', audience: 'sluice', jwksFile: join(dir, 'absent.json') }] }, 'identity');
    expect(() => createAuthenticator(cfg)).toThrow(/jwksFile .*absent\.json: cannot read \(ENOENT\)/);
  });
});

describe('sluice token', () => {
  it('prints only the token on stdout', async () => {
    const out = capture();
    const err = capture();
    const code = await tokenCommand(['--group', 'analysts,dev', '-g', 'ops', '--sub', 'alice', '--job', 'nightly-etl', '--ttl', '60', '--dir', dir], { stdout: out, stderr: err });
    expect(code).toBe(0);
    expect(err.text).toBe('');
    expect(out.text).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const auth = await demoAuthenticator();
    const id = await auth.authenticate({ authorization: `Bearer ${out.text.trim()}` }, '127.0.0.1');
    expect(id).toMatchObject({ subject: 'alice', groups: ['analysts', 'dev', 'ops'], job: 'nightly-etl' });
  });

  it('uses the demo dir it is given and a default subject', async () => {
    const out = capture();
    expect(await tokenCommand(['--group', 'analysts'], { stdout: out, stderr: capture(), dir })).toBe(0);
    expect(decodeJwt(out.text.trim()).sub).toBe('demo-user');
  });

  it.each([
    [[], 'at least one --group is required'],
    [['--group', 'a', '--ttl', '1h'], '--ttl must be a whole number of seconds'],
    [['--group', 'a', '--ttl', '0'], 'ttl must be an integer between 1 and 2592000 seconds'],
    [['--group', 'a', '--bogus'], "Unknown option '--bogus'"],
  ])('fails with a message on stderr for %j', async (argv, message) => {
    const out = capture();
    const err = capture();
    const code = await tokenCommand([...argv, '--dir', dir], { stdout: out, stderr: err });
    expect(code).toBeGreaterThan(0);
    expect(out.text).toBe('');
    expect(err.text).toContain(message);
  });
});
