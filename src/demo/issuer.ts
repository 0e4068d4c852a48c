// The local demo identity issuer: lets `npm start` work with no IdP and no accounts. One Ed25519 key
// pair per demo directory, created once; the gateway trusts its public JWKS file like any issuer's.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export const DEMO_ISSUER = 'sluice-demo';
export const DEMO_AUDIENCE = 'sluice';
export const DEMO_DIR_DEFAULT = '.sluice/demo';
const ALG = 'EdDSA';
const PRIVATE_KEY_FILE = 'issuer-key.jwk.json';
const JWKS_FILE = 'jwks.json';
const MAX_TTL_SECONDS = 30 * 24 * 3600;

export interface DemoIssuer {
  issuer: string;
  audience: string;
  jwksFile: string;
  privateKeyFile: string;
}

export interface DemoTokenRequest {
  subject: string;
  groups: readonly string[];
  job?: string;
  /** Default one hour. */
  ttlSeconds?: number;
}

/** Creates the key pair on first use (private key 0600) and (re)writes the public JWKS beside it. */
export async function ensureDemoIssuer(dir: string): Promise<DemoIssuer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateKeyFile = join(dir, PRIVATE_KEY_FILE);
  const jwksFile = join(dir, JWKS_FILE);
  const jwk = await loadOrCreateKey(privateKeyFile);
  const { d: _private, ...publicJwk } = jwk;
  const jwks = `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`;
  if ((await readFile(jwksFile, 'utf8').catch(() => '')) !== jwks) await replaceFile(jwksFile, jwks);
  return { issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, jwksFile, privateKeyFile };
}

/** The raw `identity.issuers[]` entry that trusts the demo issuer (for validateIdentityConfig). */
export function demoIssuerEntry(demo: DemoIssuer): Record<string, unknown> {
  return { issuer: demo.issuer, audience: demo.audience, jwksFile: demo.jwksFile, algorithms: [ALG] };
}

export async function mintDemoToken(dir: string, req: DemoTokenRequest): Promise<string> {
  const ttl = req.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) throw new RangeError(`ttl must be an integer between 1 and ${MAX_TTL_SECONDS} seconds`);
  if (req.subject === '') throw new RangeError('subject must not be empty');
  const { privateKeyFile } = await ensureDemoIssuer(dir);
  const jwk = await loadOrCreateKey(privateKeyFile);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ groups: [...req.groups], ...(req.job ? { azp: req.job } : {}) })
    .setProtectedHeader({ alg: ALG, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(DEMO_ISSUER)
    .setAudience(DEMO_AUDIENCE)
    .setSubject(req.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .setJti(randomUUID())
    .sign(await importJWK(jwk, ALG));
}

async function loadOrCreateKey(file: string): Promise<JWK> {
  const existing = await readKey(file);
  if (existing !== undefined) return existing;
  const { privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const full: JWK = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALG, use: 'sig' };
  await createOnce(file, `${JSON.stringify(full)}\n`);
  // Another process may have won the race; its key is the one on disk.
  const stored = await readKey(file);
  if (stored === undefined) throw new Error(`${file}: could not create the demo issuer key`);
  return stored;
}

async function readKey(file: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    jwk = {};
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x || !jwk.kid) {
    throw new Error(`${file}: not a demo issuer key (delete it to create a new one)`);
  }
  return jwk;
}

/** Create-if-absent without readers ever seeing a half-written key: write a temp file, then hard-link it. */
async function createOnce(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
}

async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, file);
}
