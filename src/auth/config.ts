// The `identity` section of sluice.yaml: typed, frozen defaults and validation with messages naming the key.
import { isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import { Reader } from '../config/check.js';

/** Asymmetric JWS algorithms Sluice accepts. HMAC and `none` are never accepted (RFC 8725 §3.1, §3.2). */
export const SUPPORTED_ALGORITHMS = Object.freeze([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const);

export interface IssuerConfig {
  /** Exact `iss` value; also the base URL for OIDC discovery. */
  issuer: string;
  /** Accepted `aud` values (any one must be present in the token). */
  audience: readonly string[];
  /** Fetch `<issuer>/.well-known/openid-configuration` and use its `jwks_uri`. */
  discovery: boolean;
  jwksUri?: string;
  jwksFile?: string;
  algorithms: readonly string[];
  /** Dot path to the groups claim, e.g. `groups`, `roles`, `realm_access.roles`. */
  groupsClaim: string;
  /** Claims tried in order for the job (a client-credentials token's client id). */
  jobClaim: readonly string[];
  subjectClaim: string;
  /** After a key set was fetched, an unknown `kid` may trigger a refetch only after this long. */
  jwksCooldownSeconds: number;
  /** Fetched key sets are refreshed after this long. */
  jwksMaxAgeSeconds: number;
  /** Time limit for fetching discovery documents and key sets. */
  fetchTimeoutMs: number;
}

export interface ServiceKeyConfig {
  id: string;
  /** Lower-case hex SHA-256 of the key; the key itself is never stored. */
  sha256: string;
  subject: string;
  groups: readonly string[];
  job?: string;
  /** IPs or CIDRs the key may be used from; empty = anywhere. */
  allowFrom: readonly string[];
}

export interface IdentityConfig {
  issuers: readonly IssuerConfig[];
  clockSkewSeconds: number;
  /** Trust the `x-sluice-job` header when the token names no job (policy may narrow this further). */
  allowJobHeader: boolean;
  cache: { maxEntries: number };
  serviceKeys: readonly ServiceKeyConfig[];
}

export const ISSUER_DEFAULTS = Object.freeze({
  discovery: false,
  algorithms: Object.freeze(['RS256', 'ES256', 'EdDSA', 'PS256']),
  groupsClaim: 'groups',
  jobClaim: Object.freeze(['azp', 'client_id']),
  subjectClaim: 'sub',
  jwksCooldownSeconds: 30,
  jwksMaxAgeSeconds: 600,
  fetchTimeoutMs: 5000,
});

export const IDENTITY_DEFAULTS: IdentityConfig = Object.freeze({
  issuers: Object.freeze([]),
  clockSkewSeconds: 30,
  allowJobHeader: false,
  cache: Object.freeze({ maxEntries: 10_000 }),
  serviceKeys: Object.freeze([]),
});

const TOP_KEYS = ['issuers', 'clockSkewSeconds', 'allowJobHeader', 'cache', 'serviceKeys'] as const;
const ISSUER_KEYS = [
  'issuer', 'audience', 'discovery', 'jwksUri', 'jwksFile', 'algorithms', 'groupsClaim', 'jobClaim',
  'subjectClaim', 'jwksCooldownSeconds', 'jwksMaxAgeSeconds', 'fetchTimeoutMs',
] as const;
const SERVICE_KEY_KEYS = ['id', 'sha256', 'subject', 'groups', 'job', 'allowFrom'] as const;
const CLAIM_PATH_RE = /^[^.\s]+(\.[^.\s]+)*$/;
const SHA256_RE = /^[0-9a-f]{64}$/i;

/**
 * Validates the raw `identity` section. Throws a ConfigError listing every problem, each naming its key
 * (`identity.issuers[0].audience: expected a string or a list of strings`). Relative `jwksFile`s resolve
 * against `baseDir` (the config file's directory) when given.
 */
export function validateIdentityConfig(raw: unknown, at: string, baseDir?: string): IdentityConfig {
  const r = new Reader();
  const cfg = readIdentityConfig(raw, r, [at], baseDir);
  r.done();
  return cfg;
}

/** Same as validateIdentityConfig, reporting into a caller's Reader (so the file name prefixes messages). */
export function readIdentityConfig(raw: unknown, r: Reader, path: string[], baseDir?: string): IdentityConfig {
  const o = r.obj(raw, path, TOP_KEYS);
  const cache = r.obj(o.cache, [...path, 'cache'], ['maxEntries']);
  const issuers = r.arr(o.issuers, [...path, 'issuers']).map((v, i) => readIssuer(r, v, [...path, `issuers[${i}]`], baseDir));
  const serviceKeys = r.arr(o.serviceKeys, [...path, 'serviceKeys']).map((v, i) => readServiceKey(r, v, [...path, `serviceKeys[${i}]`]));
  rejectDuplicates(r, issuers.map((x) => x.issuer), path, 'issuers', 'issuer');
  rejectDuplicates(r, serviceKeys.map((x) => x.id), path, 'serviceKeys', 'id');
  rejectDuplicates(r, serviceKeys.map((x) => x.sha256), path, 'serviceKeys', 'sha256');
  return deepFreeze({
    issuers,
    clockSkewSeconds: r.int(o.clockSkewSeconds, [...path, 'clockSkewSeconds'], IDENTITY_DEFAULTS.clockSkewSeconds, 0, 600),
    allowJobHeader: r.bool(o.allowJobHeader, [...path, 'allowJobHeader'], IDENTITY_DEFAULTS.allowJobHeader),
    cache: { maxEntries: r.int(cache.maxEntries, [...path, 'cache', 'maxEntries'], IDENTITY_DEFAULTS.cache.maxEntries, 0, 10_000_000) },
    serviceKeys,
  });
}

function readIssuer(r: Reader, v: unknown, p: string[], baseDir: string | undefined): IssuerConfig {
  const o = r.obj(v, p, ISSUER_KEYS);
  const issuer = r.str(o.issuer, [...p, 'issuer']);
  if (issuer === '' && o.issuer !== undefined && o.issuer !== null) r.fail([...p, 'issuer'], 'must not be empty');
  const discovery = r.bool(o.discovery, [...p, 'discovery'], ISSUER_DEFAULTS.discovery);
  const jwksUri = r.optStr(o.jwksUri, [...p, 'jwksUri']);
  const jwksFile = r.optStr(o.jwksFile, [...p, 'jwksFile']);
  const sources = [discovery, jwksUri !== undefined, jwksFile !== undefined].filter(Boolean).length;
  if (sources !== 1) r.fail(p, 'set exactly one of discovery: true, jwksUri or jwksFile');
  if (discovery && issuer) checkFetchUrl(r, issuer, [...p, 'issuer']);
  if (jwksUri !== undefined) checkFetchUrl(r, jwksUri, [...p, 'jwksUri']);
  return {
    issuer,
    audience: readStrings(r, o.audience, [...p, 'audience'], undefined),
    discovery,
    jwksUri,
    jwksFile: jwksFile !== undefined && baseDir !== undefined && !isAbsolute(jwksFile) ? resolve(baseDir, jwksFile) : jwksFile,
    algorithms: readAlgorithms(r, o.algorithms, [...p, 'algorithms']),
    groupsClaim: readClaimPath(r, o.groupsClaim, [...p, 'groupsClaim'], ISSUER_DEFAULTS.groupsClaim),
    jobClaim: readStrings(r, o.jobClaim, [...p, 'jobClaim'], ISSUER_DEFAULTS.jobClaim, true),
    subjectClaim: readClaimPath(r, o.subjectClaim, [...p, 'subjectClaim'], ISSUER_DEFAULTS.subjectClaim),
    jwksCooldownSeconds: r.int(o.jwksCooldownSeconds, [...p, 'jwksCooldownSeconds'], ISSUER_DEFAULTS.jwksCooldownSeconds, 0, 86_400),
    jwksMaxAgeSeconds: r.int(o.jwksMaxAgeSeconds, [...p, 'jwksMaxAgeSeconds'], ISSUER_DEFAULTS.jwksMaxAgeSeconds, 1, 604_800),
    fetchTimeoutMs: r.int(o.fetchTimeoutMs, [...p, 'fetchTimeoutMs'], ISSUER_DEFAULTS.fetchTimeoutMs, 1, 60_000),
  };
}

function readServiceKey(r: Reader, v: unknown, p: string[]): ServiceKeyConfig {
  const o = r.obj(v, p, SERVICE_KEY_KEYS);
  const sha256 = r.str(o.sha256, [...p, 'sha256']);
  if (sha256 && !SHA256_RE.test(sha256)) r.fail([...p, 'sha256'], 'expected 64 hex characters (the SHA-256 of the key)');
  const allowFrom = readStrings(r, o.allowFrom, [...p, 'allowFrom'], [], true);
  allowFrom.forEach((a, i) => {
    if (!isAddressOrCidr(a)) r.fail([...p, `allowFrom[${i}]`], 'expected an IP address or CIDR (e.g. 10.0.0.0/8)');
  });
  return {
    id: r.str(o.id, [...p, 'id']),
    sha256: sha256.toLowerCase(),
    subject: r.str(o.subject, [...p, 'subject']),
    groups: readStrings(r, o.groups, [...p, 'groups'], [], true),
    job: r.optStr(o.job, [...p, 'job']),
    allowFrom,
  };
}

/** A string or a list of non-empty strings (a bare string reads as a list of one). */
function readStrings(r: Reader, v: unknown, p: string[], def: readonly string[] | undefined, allowEmpty = false): string[] {
  if (v === undefined || v === null) {
    if (def === undefined) r.fail(p, 'is required');
    return [...(def ?? [])];
  }
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x === '')) {
    r.fail(p, 'expected a string or a list of non-empty strings');
    return [...(def ?? [])];
  }
  if (list.length === 0 && !allowEmpty) r.fail(p, 'must not be empty');
  return list as string[];
}

function readAlgorithms(r: Reader, v: unknown, p: string[]): string[] {
  if (v === undefined || v === null) return [...ISSUER_DEFAULTS.algorithms];
  const list = readStrings(r, v, p, ISSUER_DEFAULTS.algorithms);
  list.forEach((alg, i) => {
    const at = [...p.slice(0, -1), `${p[p.length - 1]}[${i}]`];
    if (/^HS\d+$/i.test(alg)) r.fail(at, `${alg} is refused: HMAC algorithms need a shared secret; use an asymmetric algorithm`);
    else if (alg.toLowerCase() === 'none') r.fail(at, '"none" is refused: tokens must be signed');
    else if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) r.fail(at, `unsupported algorithm "${alg}" (expected one of: ${SUPPORTED_ALGORITHMS.join(', ')})`);
  });
  return list;
}

function readClaimPath(r: Reader, v: unknown, p: string[], def: string): string {
  const s = r.str(v, p, def);
  if (!CLAIM_PATH_RE.test(s)) r.fail(p, 'expected a claim name or dot path such as realm_access.roles');
  return s;
}

function checkFetchUrl(r: Reader, value: string, p: string[]): void {
  if (!URL.canParse(value)) r.fail(p, 'expected an absolute URL');
  else if (!isTrustedFetchUrl(new URL(value))) r.fail(p, 'expected an https URL (http is allowed only for loopback)');
}

/** Keys must come over TLS, except from loopback (a local IdP, the tests). */
export function isTrustedFetchUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function rejectDuplicates(r: Reader, values: string[], path: string[], list: string, key: string): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (value && seen.has(value)) r.fail([...path, `${list}[${i}]`, key], `duplicate ${key}`);
    seen.add(value);
  });
}

function isAddressOrCidr(s: string): boolean {
  const [addr, bits, extra] = s.split('/');
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
