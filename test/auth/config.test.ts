import { describe, expect, it } from 'vitest';
import { IDENTITY_DEFAULTS, validateIdentityConfig } from '../../src/auth/config.js';
import { ConfigError } from '../../src/config/problems.js';

const HASH = 'a'.repeat(64);
const issuer = (over: Record<string, unknown> = {}) => ({ issuer: 'https://idp.example', audience: 'sluice', discovery: true, ...over });
const key = (over: Record<string, unknown> = {}) => ({ id: 'k1', sha256: HASH, subject: 'svc', groups: ['g'], ...over });

function problems(raw: unknown): string[] {
  try {
    validateIdentityConfig(raw, 'identity');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('validateIdentityConfig', () => {
  it('fills frozen defaults for an empty section', () => {
    const cfg = validateIdentityConfig(undefined, 'identity');
    expect(cfg).toEqual(IDENTITY_DEFAULTS);
    expect(Object.isFrozen(cfg) && Object.isFrozen(cfg.cache) && Object.isFrozen(IDENTITY_DEFAULTS)).toBe(true);
  });

  it('normalises an issuer and applies its defaults', () => {
    const cfg = validateIdentityConfig({ issuers: [issuer()], serviceKeys: [key({ sha256: HASH.toUpperCase() })] }, 'identity');
    expect(cfg.issuers[0]).toEqual({
      issuer: 'https://idp.example', audience: ['sluice'], discovery: true, jwksUri: undefined, jwksFile: undefined,
      algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'], groupsClaim: 'groups', jobClaim: ['azp', 'client_id'], subjectClaim: 'sub',
      jwksCooldownSeconds: 30, jwksMaxAgeSeconds: 600, fetchTimeoutMs: 5000,
    });
    expect(cfg.serviceKeys[0].sha256).toBe(HASH);
    expect(Object.isFrozen(cfg.issuers[0].audience)).toBe(true);
  });

  it('resolves a relative jwksFile against baseDir', () => {
    const cfg = validateIdentityConfig({ issuers: [issuer({ discovery: false, jwksFile: 'keys/jwks.json' })] }, 'identity', '/etc/sluice');
    expect(cfg.issuers[0].jwksFile).toBe('/etc/sluice/keys/jwks.json');
  });

  it('allows http only for loopback issuers', () => {
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9000']) {
      expect(problems({ issuers: [issuer({ issuer: `http://${host}` })] })).toEqual([]);
    }
  });

  it('reports every problem at once', () => {
    expect(problems({ clockSkewSeconds: -1, allowJobHeader: 'yes' })).toHaveLength(2);
  });

  const cases: Array<[string, unknown, string]> = [
    ['a non-mapping section', 'nope', 'identity: expected a mapping, found "nope"'],
    ['an unknown top-level key', { issuer: [] }, 'identity.issuer: unknown key, did you mean "issuers"? (expected one of: issuers, clockSkewSeconds, allowJobHeader, cache, serviceKeys)'],
    ['issuers not a list', { issuers: {} }, 'identity.issuers: expected a list, found a mapping'],
    ['an issuer that is not a mapping', { issuers: ['https://idp.example'] }, 'identity.issuers[0]: expected a mapping, found "https://idp.example"'],
    ['an unknown issuer key', { issuers: [issuer({ jwks: 'x' })] }, 'identity.issuers[0].jwks: unknown key (expected one of: issuer, audience, discovery, jwksUri, jwksFile, algorithms, groupsClaim, jobClaim, subjectClaim, jwksCooldownSeconds, jwksMaxAgeSeconds, fetchTimeoutMs)'],
    ['a missing issuer', { issuers: [issuer({ issuer: undefined })] }, 'identity.issuers[0].issuer: is required'],
    ['an empty issuer', { issuers: [issuer({ issuer: '', discovery: false, jwksFile: 'j.json' })] }, 'identity.issuers[0].issuer: expected a non-empty string, found ""'],
    ['a missing audience', { issuers: [issuer({ audience: undefined })] }, 'identity.issuers[0].audience: is required'],
    ['a numeric audience', { issuers: [issuer({ audience: 5 })] }, 'identity.issuers[0].audience: expected a string or a list of non-empty strings, found 5'],
    ['an empty audience list', { issuers: [issuer({ audience: [] })] }, 'identity.issuers[0].audience: must not be empty'],
    ['no key source', { issuers: [issuer({ discovery: false })] }, 'identity.issuers[0]: set exactly one of discovery: true, jwksUri or jwksFile'],
    ['two key sources', { issuers: [issuer({ jwksUri: 'https://idp.example/jwks' })] }, 'identity.issuers[0]: set exactly one of discovery: true, jwksUri or jwksFile'],
    ['discovery not a boolean', { issuers: [issuer({ discovery: 'true' })] }, 'identity.issuers[0].discovery: expected true or false, found "true"'],
    ['a jwksUri that is not a URL', { issuers: [issuer({ discovery: false, jwksUri: '/jwks' })] }, 'identity.issuers[0].jwksUri: expected an absolute URL'],
    ['a plain-http jwksUri', { issuers: [issuer({ discovery: false, jwksUri: 'http://idp.example/jwks' })] }, 'identity.issuers[0].jwksUri: expected an https URL (http is allowed only for loopback)'],
    ['a plain-http discovery issuer', { issuers: [issuer({ issuer: 'http://idp.example' })] }, 'identity.issuers[0].issuer: expected an https URL (http is allowed only for loopback)'],
    ['a discovery issuer that is not a URL', { issuers: [issuer({ issuer: 'corp-idp' })] }, 'identity.issuers[0].issuer: expected an absolute URL'],
    ['a non-string jwksFile', { issuers: [issuer({ discovery: false, jwksFile: 1 })] }, 'identity.issuers[0].jwksFile: expected a non-empty string, found 1'],
    ['an HMAC algorithm', { issuers: [issuer({ algorithms: ['RS256', 'HS256'] })] }, 'identity.issuers[0].algorithms[1]: HMAC algorithms are refused: they need a shared secret; use an asymmetric algorithm, found "HS256"'],
    ['alg none', { issuers: [issuer({ algorithms: ['none'] })] }, 'identity.issuers[0].algorithms[0]: unsigned tokens ("none") are refused, found "none"'],
    ['an unsupported algorithm', { issuers: [issuer({ algorithms: 'RSA1_5' })] }, 'identity.issuers[0].algorithms: expected one of: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519, found "RSA1_5"'],
    ['an empty algorithm list', { issuers: [issuer({ algorithms: [] })] }, 'identity.issuers[0].algorithms: must not be empty'],
    ['a malformed groups claim path', { issuers: [issuer({ groupsClaim: 'realm_access..roles' })] }, 'identity.issuers[0].groupsClaim: expected a claim name or dot path such as realm_access.roles, found "realm_access..roles"'],
    ['a non-string subject claim', { issuers: [issuer({ subjectClaim: ['sub'] })] }, 'identity.issuers[0].subjectClaim: expected a claim name or dot path such as realm_access.roles, found a list'],
    ['a job claim list with a number', { issuers: [issuer({ jobClaim: ['azp', 3] })] }, 'identity.issuers[0].jobClaim[1]: expected a non-empty string, found 3'],
    ['a negative cooldown', { issuers: [issuer({ jwksCooldownSeconds: -1 })] }, 'identity.issuers[0].jwksCooldownSeconds: expected an integer from 0 to 86400, found -1'],
    ['a zero max age', { issuers: [issuer({ jwksMaxAgeSeconds: 0 })] }, 'identity.issuers[0].jwksMaxAgeSeconds: expected an integer from 1 to 604800, found 0'],
    ['a fractional fetch timeout', { issuers: [issuer({ fetchTimeoutMs: 1.5 })] }, 'identity.issuers[0].fetchTimeoutMs: expected an integer from 1 to 60000, found 1.5'],
    ['a duplicate issuer', { issuers: [issuer(), issuer()] }, 'identity.issuers[1].issuer: duplicate issuer'],
    ['a clock skew above ten minutes', { clockSkewSeconds: 601 }, 'identity.clockSkewSeconds: expected an integer from 0 to 600, found 601'],
    ['a non-integer clock skew', { clockSkewSeconds: 'soon' }, 'identity.clockSkewSeconds: expected an integer from 0 to 600, found "soon"'],
    ['allowJobHeader not a boolean', { allowJobHeader: 'yes' }, 'identity.allowJobHeader: expected true or false, found "yes"'],
    ['an unknown cache key', { cache: { ttl: 5 } }, 'identity.cache.ttl: unknown key (expected one of: maxEntries)'],
    ['a negative cache size', { cache: { maxEntries: -5 } }, 'identity.cache.maxEntries: expected an integer from 0 to 10000000, found -5'],
    ['serviceKeys not a list', { serviceKeys: 'k' }, 'identity.serviceKeys: expected a list, found "k"'],
    ['an unknown service key field', { serviceKeys: [key({ key: 'sk-plain' })] }, 'identity.serviceKeys[0].key: unknown key (expected one of: id, sha256, subject, groups, job, allowFrom)'],
    ['a service key without id', { serviceKeys: [key({ id: undefined })] }, 'identity.serviceKeys[0].id: is required'],
    ['a service key without subject', { serviceKeys: [key({ subject: undefined })] }, 'identity.serviceKeys[0].subject: is required'],
    ['a service key hash that is not hex', { serviceKeys: [key({ sha256: 'sk-sluice-plaintext' })] }, 'identity.serviceKeys[0].sha256: expected 64 hex characters (the SHA-256 of the key), found "sk-sluice-plaintext"'],
    ['service key groups not strings', { serviceKeys: [key({ groups: [1] })] }, 'identity.serviceKeys[0].groups[0]: expected a non-empty string, found 1'],
    ['a non-string service key job', { serviceKeys: [key({ job: 7 })] }, 'identity.serviceKeys[0].job: expected a non-empty string, found 7'],
    ['a bad allowFrom entry', { serviceKeys: [key({ allowFrom: ['10.0.0.0/8', '10.0.0.0/33'] })] }, 'identity.serviceKeys[0].allowFrom[1]: expected an IP address or CIDR (e.g. 10.0.0.0/8)'],
    ['a duplicate service key id', { serviceKeys: [key(), key({ sha256: 'b'.repeat(64) })] }, 'identity.serviceKeys[1].id: duplicate id'],
    ['a duplicate service key hash', { serviceKeys: [key(), key({ id: 'k2', sha256: HASH.toUpperCase() })] }, 'identity.serviceKeys[1].sha256: duplicate sha256'],
  ];

  it.each(cases)('rejects %s', (_name, raw, message) => {
    const got = problems(raw);
    expect(got, `got:\n${got.join('\n')}`).toEqual([message]);
  });

  it('names the section it was given', () => {
    expect(problems({ clockSkewSeconds: -1 }).length).toBe(1);
    expect(() => validateIdentityConfig({ cache: 1 }, 'gateway.identity')).toThrow('gateway.identity.cache: expected a mapping');
  });
});
