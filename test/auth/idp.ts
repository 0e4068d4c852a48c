// A local OIDC/JWKS server for the auth tests (127.0.0.1, port 0) plus key and token helpers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';

export interface TestIdp {
  /** Base URL, also the issuer. */
  url: string;
  hits: { discovery: number; jwks: number };
  setKeys(keys: JWK[]): void;
  /** Serve a discovery document naming another issuer (to test the §4.3 check). */
  setDiscoveryIssuer(issuer: string): void;
  close(): Promise<void>;
}

export async function startIdp(): Promise<TestIdp> {
  let jwks: JSONWebKeySet = { keys: [] };
  let discoveryIssuer: string | undefined;
  const hits = { discovery: 0, jwks: 0 };
  const server: Server = createServer(function idp(req, res) {
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      hits.discovery++;
      send({ issuer: discoveryIssuer ?? url, jwks_uri: `${url}/jwks` });
    } else if (req.url === '/jwks') {
      hits.jwks++;
      send(jwks);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    setKeys(keys) {
      jwks = { keys };
    },
    setDiscoveryIssuer(issuer) {
      discoveryIssuer = issuer;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export async function makeKey(alg: 'RS256' | 'ES256' | 'EdDSA' | 'RS384', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

export interface SignOptions {
  kid?: string;
  alg?: string;
  /** Seconds relative to now; undefined = +3600, null = omit. */
  exp?: number | null;
  nbf?: number;
}

export function sign(key: TestKey, claims: JWTPayload, opts: SignOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const body: JWTPayload = { iat: now, ...claims };
  if (opts.exp !== null) body.exp = now + (opts.exp ?? 3600);
  if (opts.nbf !== undefined) body.nbf = now + opts.nbf;
  return new SignJWT(body).setProtectedHeader({ alg: opts.alg ?? key.alg, kid: opts.kid ?? key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** An unsigned token (`alg: none`) built by hand: jose refuses to make one for a JWS. */
export function unsigned(claims: JWTPayload, kid: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', kid, typ: 'JWT' })}.${b64({ exp: now + 3600, ...claims })}.`;
}
