import { describe, expect, it } from 'vitest';
import { IDENTITY_DEFAULTS, ISSUER_DEFAULTS, validateIdentityConfig } from '../../src/auth/config.js';
import { ConfigError } from '../../src/config/check.js';

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
      jwksCooldownSeconds: ISSUER_DEFAULTS.jwksCooldownSeconds, jwksMaxAgeSeconds: 600, fetchTimeoutMs: 5000,
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
    ['a non-mapping section', 'nope', 'identity: expected a mapping'],
    ['an unknown top-level key', { issuer: [] }, 'identity.issuer: unknown key (expected one of: issuers, clockSkewSeconds, allowJobHeader, cache, serviceKeys)'],
    ['issuers not a list', { issuers: {} }, 'identity.issuers: expected a list'],
    ['an issuer that is not a mapping', { issuers: ['https://idp.example'] }, 'identity.issuers[0]: expected a mapping'],
    ['an unknown issuer key', { issuers: [issuer({ jwks: 'x' })] }, 'identity.issuers[0].jwks: unknown key (expected one of: issuer, audience, discovery, jwksUri, jwksFile, algorithms, groupsClaim, jobClaim, subjectClaim, jwksCooldownSeconds, jwksMaxAgeSeconds, fetchTimeoutMs)'],
    ['a missing issuer', { issuers: [issuer({ issuer: undefined })] }, 'identity.issuers[0].issuer: is required'],
    ['an empty issuer', { issuers: [issuer({ issuer: '', discovery: false, jwksFile: 'j.json' })] }, 'identity.issuers[0].issuer: must not be empty'],
    ['a missing audience', { issuers: [issuer({ audience: undefined })] }, 'identity.issuers[0].audience: is required'],
    ['a numeric audience', { issuers: [issuer({ audience: 5 })] }, 'identity.issuers[0].audience: expected a string or a list of non-empty strings'],
    ['an empty audience list', { issuers: [issuer({ audience: [] })] }, 'identity.issuers[0].audience: must not be empty'],
    ['no key source', { issuers: [issuer({ discovery: false })] }, 'identity.issuers[0]: set exactly one of discovery: true, jwksUri or jwksFile'],
    ['two key sources', { issuers: [issuer({ jwksUri: 'https://idp.example/jwks' })] }, 'identity.issuers[0]: set exactly one of discovery: true, jwksUri or jwksFile'],
    ['discovery not a boolean', { issuers: [issuer({ discovery: 'true' })] }, 'identity.issuers[0].discovery: expected true or false'],
    ['a jwksUri that is not a URL', { issuers: [issuer({ discovery: false, jwksUri: '/jwks' })] }, 'identity.issuers[0].jwksUri: expected an absolute URL'],
    ['a plain-http jwksUri', { issuers: [issuer({ discovery: false, jwksUri: 'http://idp.example/jwks' })] }, 'identity.issuers[0].jwksUri: expected an https URL (http is allowed only for loopback)'],
    ['a plain-http discovery issuer', { issuers: [issuer({ issuer: 'http://idp.example' })] }, 'identity.issuers[0].issuer: expected an https URL (http is allowed only for loopback)'],
    ['a discovery issuer that is not a URL', { issuers: [issuer({ issuer: 'corp-idp' })] }, 'identity.issuers[0].issuer: expected an absolute URL'],
    ['a non-string jwksFile', { issuers: [issuer({ discovery: false, jwksFile: 1 })] }, 'identity.issuers[0].jwksFile: expected a string'],
    ['an HMAC algorithm', { issuers: [issuer({ algorithms: ['RS256', 'HS256'] })] }, 'identity.issuers[0].algorithms[1]: HS256 is refused: HMAC algorithms need a shared secret; use an asymmetric algorithm'],
    ['alg none', { issuers: [issuer({ algorithms: ['none'] })] }, 'identity.issuers[0].algorithms[0]: "none" is refused: tokens must be signed'],
    ['an unsupported algorithm', { issuers: [issuer({ algorithms: 'RSA1_5' })] }, 'identity.issuers[0].algorithms[0]: unsupported algorithm "RSA1_5" (expected one of: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)'],
    ['an empty algorithm list', { issuers: [issuer({ algorithms: [] })] }, 'identity.issuers[0].algorithms: must not be empty'],
    ['a malformed groups claim path', { issuers: [issuer({ groupsClaim: 'realm_access..roles' })] }, 'identity.issuers[0].groupsClaim: expected a claim name or dot path such as realm_access.roles'],
    ['a non-string subject claim', { issuers: [issuer({ subjectClaim: ['sub'] })] }, 'identity.issuers[0].subjectClaim: expected a string'],
    ['a job claim list with a number', { issuers: [issuer({ jobClaim: ['azp', 3] })] }, 'identity.issuers[0].jobClaim: expected a string or a list of non-empty strings'],
    ['a negative cooldown', { issuers: [issuer({ jwksCooldownSeconds: -1 })] }, 'identity.issuers[0].jwksCooldownSeconds: must be between 0 and 86400'],
    ['a zero max age', { issuers: [issuer({ jwksMaxAgeSeconds: 0 })] }, 'identity.issuers[0].jwksMaxAgeSeconds: must be between 1 and 604800'],
    ['a fractional fetch timeout', { issuers: [issuer({ fetchTimeoutMs: 1.5 })] }, 'identity.issuers[0].fetchTimeoutMs: expected an integer'],
    ['a duplicate issuer', { issuers: [issuer(), issuer()] }, 'identity.issuers[1].issuer: duplicate issuer'],
    ['a clock skew above ten minutes', { clockSkewSeconds: 601 }, 'identity.clockSkewSeconds: must be between 0 and 600'],
    ['a non-integer clock skew', { clockSkewSeconds: 'soon' }, 'identity.clockSkewSeconds: expected an integer'],
    ['allowJobHeader not a boolean', { allowJobHeader: 'yes' }, 'identity.allowJobHeader: expected true or false'],
    ['an unknown cache key', { cache: { ttl: 5 } }, 'identity.cache.ttl: unknown key (expected one of: maxEntries)'],
    ['a negative cache size', { cache: { maxEntries: -5 } }, 'identity.cache.maxEntries: must be between 0 and 10000000'],
    ['serviceKeys not a list', { serviceKeys: 'k' }, 'identity.serviceKeys: expected a list'],
    ['an unknown service key field', { serviceKeys: [key({ key: 'sk-plain' })] }, 'identity.serviceKeys[0].key: unknown key (expected one of: id, sha256, subject, groups, job, allowFrom)'],
    ['a service key without id', { serviceKeys: [key({ id: undefined })] }, 'identity.serviceKeys[0].id: is required'],
    ['a service key without subject', { serviceKeys: [key({ subject: undefined })] }, 'identity.serviceKeys[0].subject: is required'],
    ['a service key hash that is not hex', { serviceKeys: [key({ sha256: 'sk-sluice-plaintext' })] }, 'identity.serviceKeys[0].sha256: expected 64 hex characters (the SHA-256 of the key)'],
    ['service key groups not strings', { serviceKeys: [key({ groups: [1] })] }, 'identity.serviceKeys[0].groups: expected a string or a list of non-empty strings'],
    ['a non-string service key job', { serviceKeys: [key({ job: 7 })] }, 'identity.serviceKeys[0].job: expected a string'],
    ['a bad allowFrom entry', { serviceKeys: [key({ allowFrom: ['10.0.0.0/8', '10.0.0.0/33'] })] }, 'identity.serviceKeys[0].allowFrom[1]: expected an IP address or CIDR (e.g. 10.0.0.0/8)'],
    ['a duplicate service key id', { serviceKeys: [key(), key({ sha256: 'b'.repeat(64) })] }, 'identity.serviceKeys[1].id: duplicate id'],
    ['a duplicate service key hash', { serviceKeys: [key(), key({ id: 'k2', sha256: HASH.toUpperCase() })] }, 'identity.serviceKeys[1].sha256: duplicate sha256'],
  ];

  it.each(cases)('rejects %s', (_name, raw, message) => {
    expect(problems(raw)).toContain(message);
  });

  it('names the section it was given', () => {
    expect(problems({ clockSkewSeconds: -1 }).length).toBe(1);
    expect(() => validateIdentityConfig({ cache: 1 }, 'gateway.identity')).toThrow('gateway.identity.cache: expected a mapping');
  });
});
