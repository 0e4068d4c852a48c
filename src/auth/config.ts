// The `identity` section of sluice.yaml: its part of the one config schema, the types and the defaults.
import { isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import * as v from 'valibot';
import { at, bool, deepFreeze, def, int, list, nonEmptyList, obj, opt, pattern, req, section, text } from '../config/kit.js';
import { parseSection } from '../config/problems.js';

/** Asymmetric JWS algorithms Sluice accepts. HMAC and `none` are never accepted (RFC 8725 §3.1, §3.2). */
export const SUPPORTED_ALGORITHMS = Object.freeze([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const);

/** Keys must come over TLS, except from loopback (a local IdP, the tests). */
export function isTrustedFetchUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

const STRINGS = 'expected a string or a list of non-empty strings';
/** A string or a list of them (a bare string reads as a list of one). */
const strings = (nonEmpty: boolean) =>
  v.pipe(v.union([text(), nonEmpty ? nonEmptyList(text()) : list(text())], STRINGS), v.transform((x) => (typeof x === 'string' ? [x] : x)));

const algorithm = v.pipe(
  text(),
  v.check((a) => !/^HS\d+$/i.test(a), 'HMAC algorithms are refused: they need a shared secret; use an asymmetric algorithm'),
  v.check((a) => a.toLowerCase() !== 'none', 'unsigned tokens ("none") are refused'),
  v.check((a) => a.toLowerCase() === 'none' || /^HS\d+$/i.test(a) || (SUPPORTED_ALGORITHMS as readonly string[]).includes(a), `expected one of: ${SUPPORTED_ALGORITHMS.join(', ')}`),
);
const claimPath = () => pattern(/^[^.\s]+(\.[^.\s]+)*$/, 'a claim name or dot path such as realm_access.roles');
const fetchUrl = (s: string): string | undefined =>
  !URL.canParse(s) ? 'expected an absolute URL' : isTrustedFetchUrl(new URL(s)) ? undefined : 'expected an https URL (http is allowed only for loopback)';

const issuer = v.pipe(
  obj({
    issuer: req(text(), { description: 'Exact `iss` value; also the base URL for OIDC discovery.', examples: ['https://login.example.com/realms/data'] }),
    audience: req(strings(true), { description: 'Accepted `aud` values (any one must be in the token).', examples: ['sluice'] }),
    discovery: def(bool(), false, 'Fetch `<issuer>/.well-known/openid-configuration` and use its `jwks_uri`. Exactly one of `discovery: true`, `jwksUri`, `jwksFile`.'),
    jwksUri: opt(text(), { description: 'A remote JWKS (https, or http on loopback). Exactly one of `discovery: true`, `jwksUri`, `jwksFile`.', examples: ['https://login.example.com/certs'] }),
    jwksFile: opt(text(), { description: 'A static JWKS file (relative to the config file). Exactly one of `discovery: true`, `jwksUri`, `jwksFile`.', examples: ['keys/jwks.json'] }),
    algorithms: def(v.pipe(v.union([algorithm, nonEmptyList(algorithm)], STRINGS), v.transform((x) => (typeof x === 'string' ? [x] : x))), ['RS256', 'ES256', 'EdDSA', 'PS256'], 'Accepted signature algorithms: never `none`, never HMAC.'),
    groupsClaim: def(claimPath(), 'groups', { description: 'Dot path to the groups claim.', examples: ['realm_access.roles'] }),
    jobClaim: def(strings(false), ['azp', 'client_id'], 'Claims tried in order for the job (a client-credentials token names its client).'),
    subjectClaim: def(claimPath(), 'sub', 'Dot path to the subject claim.'),
    jwksCooldownSeconds: def(int(0, 86_400), 30, 'After a key set was fetched, an unknown `kid` may trigger a refetch only after this long.'),
    jwksMaxAgeSeconds: def(int(1, 604_800), 600, 'Fetched key sets are refreshed after this long.'),
    fetchTimeoutMs: def(int(1, 60_000), 5000, 'Time limit for fetching discovery documents and key sets.'),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const i = dataset.value;
    if ([i.discovery, i.jwksUri !== undefined, i.jwksFile !== undefined].filter(Boolean).length !== 1) addIssue({ message: 'set exactly one of discovery: true, jwksUri or jwksFile' });
    const badIssuer = i.discovery ? fetchUrl(i.issuer) : undefined;
    if (badIssuer) addIssue({ message: badIssuer, path: at('issuer'), input: i.issuer });
    const badUri = i.jwksUri === undefined ? undefined : fetchUrl(i.jwksUri);
    if (badUri) addIssue({ message: badUri, path: at('jwksUri'), input: i.jwksUri });
  }),
);

const isAddressOrCidr = (s: string): boolean => {
  const [addr, bits, extra] = s.split('/');
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
};

const serviceKey = v.pipe(
  obj({
    id: req(text(), { description: 'Names the key in logs and audit.', examples: ['legacy-spark'] }),
    sha256: req(v.pipe(pattern(/^[0-9a-f]{64}$/i, '64 hex characters (the SHA-256 of the key)'), v.toLowerCase()), { description: 'Hex SHA-256 of the key (`printf %s "$KEY" | sha256sum`); the key itself is never stored.', examples: ['3f1c…'] }),
    subject: req(text(), { description: 'Subject of the identity the key maps to.', examples: ['svc-spark'] }),
    groups: def(strings(false), [], { description: 'Groups of that identity.', examples: [['streaming-jobs']] }),
    job: opt(text(), { description: 'Job of that identity.', examples: ['spark-enrichment'] }),
    allowFrom: def(
      v.pipe(v.union([text(), list(text())], STRINGS), v.transform((x) => (typeof x === 'string' ? [x] : x)), v.rawCheck(({ dataset, addIssue }) => {
        if (dataset.typed) dataset.value.forEach((a, i) => isAddressOrCidr(a) || addIssue({ message: 'expected an IP address or CIDR (e.g. 10.0.0.0/8)', path: at(i), input: a }));
      })),
      [],
      { description: 'IPs or CIDRs the key may be used from; empty: anywhere.', examples: [['10.20.0.0/16']] },
    ),
  }),
);

/** Later entries repeating an earlier one's value at `key` are errors. */
const unique = <T>(key: keyof T & string, label = key) =>
  v.rawCheck<T[]>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const seen = new Set<unknown>();
    dataset.value.forEach((x, i) => {
      if (seen.has(x[key])) addIssue({ message: `duplicate ${label}`, path: at(i, key), input: x[key] });
      seen.add(x[key]);
    });
  });

export const IdentitySchema = section({
  issuers: def(v.pipe(list(issuer), unique('issuer')), [], 'Trusted token issuers (OIDC).'),
  clockSkewSeconds: def(int(0, 600), 30, 'Tolerance for `exp`/`nbf`/`iat`.'),
  allowJobHeader: def(bool(), false, 'Trust the `x-sluice-job` header when the token names no job (policy may narrow this).'),
  cache: section({ maxEntries: def(int(0, 10_000_000), 10_000, 'Verified tokens kept until they expire.') }, 'Verification cache.'),
  serviceKeys: def(v.pipe(list(serviceKey), unique('id'), unique('sha256')), [], 'Static keys for systems that cannot do OIDC.'),
}, 'Who is calling: JWT issuers and service keys.');

export type IdentityConfig = v.InferOutput<typeof IdentitySchema>;
export type IssuerConfig = IdentityConfig['issuers'][number];
export type ServiceKeyConfig = IdentityConfig['serviceKeys'][number];

export const IDENTITY_DEFAULTS: IdentityConfig = deepFreeze(v.parse(IdentitySchema, undefined));

/**
 * Validates an `identity` section given in code (the demo issuer, tests): throws a ConfigError listing every
 * problem, each naming its key under `at`. Relative `jwksFile`s resolve against `baseDir` when given.
 */
export function validateIdentityConfig(raw: unknown, at = 'identity', baseDir?: string): IdentityConfig {
  const cfg = parseSection(IdentitySchema, raw, at.split('.'));
  return deepFreeze(baseDir === undefined ? cfg : resolveJwksFiles(cfg, baseDir));
}

/** The config with one more issuer given in code (the demo issuer), validated like the others. */
export function withIssuer(cfg: IdentityConfig, raw: unknown): IdentityConfig {
  const extra = parseSection(issuer, raw, ['identity', 'issuers', cfg.issuers.length]);
  return deepFreeze({ ...cfg, issuers: [...cfg.issuers, extra] });
}

export function resolveJwksFiles(cfg: IdentityConfig, baseDir: string): IdentityConfig {
  return { ...cfg, issuers: cfg.issuers.map((i) => (i.jwksFile === undefined || isAbsolute(i.jwksFile) ? i : { ...i, jwksFile: resolve(baseDir, i.jwksFile) })) };
}
