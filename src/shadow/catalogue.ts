// The signature catalogue: the shipped data file plus `egress.signatures` from sluice.yaml.
// An entry in config with the id of a shipped one replaces it; new ids are added.
import builtin from './catalogue.json' with { type: 'json' };
import { Reader, ConfigError } from '../config/check.js';
import { hostPatternProblem } from './hosts.js';
import { pathPatternProblem } from './paths.js';

export interface HostSignature {
  id: string;
  provider: string;
  hosts: string[];
}

export interface PathSignature {
  id: string;
  provider: string;
  paths: string[];
  /** Too common to count alone (e.g. `/api/chat`): reported only next to a strong signature. */
  weak?: boolean;
}

export interface HeaderSignature {
  id: string;
  provider: string;
  /** Lower-case header name. */
  header: string;
  /** Start of the value (case-insensitive); '' = the header's presence is the signature. */
  prefix: string;
  weak?: boolean;
}

/**
 * Body anchors avoid whitespace-sensitive spans: `"messages"` and `"role"` are separate anchors, so
 * `"messages": [ {"role"` and `"messages":[{"role"` both match. Every `all` anchor and one `any` anchor must occur.
 */
export interface BodySignature {
  id: string;
  provider: string;
  all: string[];
  any?: string[];
  weak?: boolean;
}

export interface SignatureCatalogue {
  hosts: HostSignature[];
  paths: PathSignature[];
  headers: HeaderSignature[];
  body: BodySignature[];
}

const SECTIONS = ['hosts', 'paths', 'headers', 'body'] as const;
const ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const HEADER_RE = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** Validates a raw `signatures` mapping; problems are added to `r` under `at`. */
export function readSignatures(raw: unknown, r: Reader, at: string[]): SignatureCatalogue {
  const o = r.obj(raw, at, SECTIONS);
  return {
    hosts: r.arr(o.hosts, [...at, 'hosts']).map((v, i) => readHost(v, r, [...at, 'hosts', String(i)])),
    paths: r.arr(o.paths, [...at, 'paths']).map((v, i) => readPath(v, r, [...at, 'paths', String(i)])),
    headers: r.arr(o.headers, [...at, 'headers']).map((v, i) => readHeader(v, r, [...at, 'headers', String(i)])),
    body: r.arr(o.body, [...at, 'body']).map((v, i) => readBody(v, r, [...at, 'body', String(i)])),
  };
}

/** The shipped catalogue merged with an extension (already validated by `readSignatures`). */
export function loadCatalogue(extra?: Partial<SignatureCatalogue>): SignatureCatalogue {
  const base = shipped();
  return {
    hosts: merge(base.hosts, extra?.hosts),
    paths: merge(base.paths, extra?.paths),
    headers: merge(base.headers, extra?.headers),
    body: merge(base.body, extra?.body),
  };
}

let shippedCatalogue: SignatureCatalogue | undefined;

// The data file goes through the same validation as config, once: a bad edit fails loudly at start.
function shipped(): SignatureCatalogue {
  if (shippedCatalogue) return shippedCatalogue;
  const { version, ...sections } = builtin;
  const r = new Reader(() => undefined, 'src/shadow/catalogue.json');
  if (version !== 1) r.fail(['version'], 'expected 1');
  shippedCatalogue = readSignatures(sections, r, []);
  r.done();
  return shippedCatalogue;
}

/** Parses and merges a raw extension in one step (tests, the CLI); throws ConfigError listing every problem. */
export function catalogueWith(raw: unknown, label = 'egress.signatures'): SignatureCatalogue {
  const r = new Reader();
  const ext = readSignatures(raw, r, label.split('.'));
  r.done();
  return loadCatalogue(ext);
}

function merge<T extends { id: string }>(base: T[], extra: T[] | undefined): T[] {
  if (!extra?.length) return base;
  const ids = new Set(extra.map((e) => e.id));
  return [...base.filter((b) => !ids.has(b.id)), ...extra];
}

function readId(v: unknown, r: Reader, at: string[]): string {
  const id = r.str(v, [...at, 'id']);
  if (id && !ID_RE.test(id)) r.fail([...at, 'id'], 'expected lower-case letters, digits, ".", "_" or "-" (at most 64)');
  return id;
}

function readHost(v: unknown, r: Reader, at: string[]): HostSignature {
  // A bare string is a one-host signature named after the host.
  if (typeof v === 'string') return { id: v.toLowerCase(), provider: 'custom', hosts: [checkHost(v, r, at)] };
  const o = r.obj(v, at, ['id', 'provider', 'hosts']);
  const hosts = r.arr(o.hosts, [...at, 'hosts']).map((h, i) => checkHost(r.str(h, [...at, 'hosts', String(i)]), r, [...at, 'hosts', String(i)]));
  if (hosts.length === 0) r.fail([...at, 'hosts'], 'needs at least one host');
  return { id: readId(o.id, r, at), provider: r.str(o.provider, [...at, 'provider'], 'custom'), hosts };
}

function checkHost(h: string, r: Reader, at: string[]): string {
  const problem = hostPatternProblem(h);
  if (problem) r.fail(at, problem);
  return h.toLowerCase();
}

function readPath(v: unknown, r: Reader, at: string[]): PathSignature {
  if (typeof v === 'string') return { id: v.replace(/[^a-z0-9._-]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, 64) || 'root', provider: 'custom', paths: [checkPath(v, r, at)] };
  const o = r.obj(v, at, ['id', 'provider', 'paths', 'weak']);
  const paths = r.arr(o.paths, [...at, 'paths']).map((p, i) => checkPath(r.str(p, [...at, 'paths', String(i)]), r, [...at, 'paths', String(i)]));
  if (paths.length === 0) r.fail([...at, 'paths'], 'needs at least one path');
  return { id: readId(o.id, r, at), provider: r.str(o.provider, [...at, 'provider'], 'custom'), paths, weak: r.bool(o.weak, [...at, 'weak'], false) };
}

function checkPath(p: string, r: Reader, at: string[]): string {
  const problem = pathPatternProblem(p);
  if (problem) r.fail(at, problem);
  return p;
}

function readHeader(v: unknown, r: Reader, at: string[]): HeaderSignature {
  const o = r.obj(v, at, ['id', 'provider', 'header', 'prefix', 'weak']);
  const header = r.str(o.header, [...at, 'header']).toLowerCase();
  if (header && !HEADER_RE.test(header)) r.fail([...at, 'header'], 'expected a header name');
  const prefix = r.str(o.prefix, [...at, 'prefix'], '');
  if (prefix.length > 64 || /[\r\n]/.test(prefix)) r.fail([...at, 'prefix'], 'expected at most 64 characters on one line');
  return { id: readId(o.id, r, at), provider: r.str(o.provider, [...at, 'provider'], 'custom'), header, prefix, weak: r.bool(o.weak, [...at, 'weak'], false) };
}

function readBody(v: unknown, r: Reader, at: string[]): BodySignature {
  const o = r.obj(v, at, ['id', 'provider', 'all', 'any', 'weak']);
  const anchors = (key: 'all' | 'any') =>
    r.arr(o[key], [...at, key]).map((a, i) => {
      const s = r.str(a, [...at, key, String(i)]);
      // Short anchors fire everywhere and long ones bloat the streaming hold-back.
      if (s.length < 3 || s.length > 64) r.fail([...at, key, String(i)], 'expected 3 to 64 characters');
      return s;
    });
  const all = anchors('all');
  const any = anchors('any');
  if (all.length === 0 && any.length === 0) r.fail(at, 'needs at least one anchor in "all" or "any"');
  return { id: readId(o.id, r, at), provider: r.str(o.provider, [...at, 'provider'], 'custom'), all, any: any.length ? any : undefined, weak: r.bool(o.weak, [...at, 'weak'], false) };
}

export { ConfigError };
