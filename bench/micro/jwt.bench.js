// authenticate(): a cached token (the steady state: one SHA-256 and a map lookup) and an uncached one
// (a full Ed25519 signature verification), with the demo issuer from dist/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';

const TOKENS = 64;

export async function run({ time }) {
  const { createAuthenticator } = await import('../../dist/auth/authenticate.js');
  const { validateIdentityConfig } = await import('../../dist/auth/config.js');
  const { ensureDemoIssuer, demoIssuerEntry, mintDemoToken } = await import('../../dist/demo/issuer.js');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-jwt-'));
  const demo = await ensureDemoIssuer(dir);
  const tokens = [];
  for (let i = 0; i < TOKENS; i++) tokens.push(await mintDemoToken(dir, { subject: `user-${i}`, groups: ['analysts'] }));
  const identity = (maxEntries) => validateIdentityConfig({ issuers: [demoIssuerEntry(demo)], cache: { maxEntries } }, 'identity');
  const cached = createAuthenticator(identity(10_000));
  // maxEntries 0: nothing is remembered, so every call verifies the signature.
  const uncached = createAuthenticator(identity(0));
  const headers = tokens.map((t) => ({ authorization: `Bearer ${t}` }));
  await cached.authenticate(headers[0], '127.0.0.1');
  let i = 0;

  const bench = new Bench({
    name: 'jwt',
    time,
    teardown: () => rmSync(dir, { recursive: true, force: true }),
  });
  bench
    .add('authenticate: cached token', () => cached.authenticate(headers[0], '127.0.0.1'))
    .add('authenticate: uncached (Ed25519 verify)', () => uncached.authenticate(headers[i++ % TOKENS], '127.0.0.1'));
  await bench.run();
  rmSync(dir, { recursive: true, force: true });
  if (uncached.stats().cacheHits > 0) throw new Error('uncached authenticator hit its cache: the uncached row would be wrong');
  return bench;
}
