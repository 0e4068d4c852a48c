// The signature catalogue's schema: the shipped data file and `egress.signatures` in sluice.yaml share it.
import * as v from 'valibot';
import { bool, def, list, obj, opt, pattern, req, section, text } from '../config/kit.js';
import { hostPatternProblem } from './hosts.js';
import { pathPatternProblem } from './paths.js';

const id = () => pattern(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" or "-" (at most 64)');
const provider = () => def(text(), 'custom', 'Provider named in reports.');
const weak = () => def(bool(), false, 'Too common to count alone: reported only next to a strong signature.');
/** A string checked by a function that names the problem. */
const checked = (problem: (s: string) => string | undefined) => v.pipe(text(), v.check((s) => problem(s) === undefined, (i) => problem(String(i.input)) ?? ''));
const host = () => v.pipe(checked(hostPatternProblem), v.toLowerCase());
const path = () => checked(pathPatternProblem);
const nonEmpty = <S extends v.GenericSchema>(item: S, what: string) => v.pipe(list(item), v.minLength(1, `needs at least one ${what}`));
// Short anchors fire everywhere and long ones bloat the streaming hold-back.
const anchor = () => v.pipe(text(), v.minLength(3, 'expected 3 to 64 characters'), v.maxLength(64, 'expected 3 to 64 characters'));

const hostSignature = v.union(
  [
    // A bare string is a one-host signature named after the host.
    v.pipe(host(), v.transform((h) => ({ id: h, provider: 'custom', hosts: [h] }))),
    obj({ id: req(id(), { description: 'Signature id (reported as `host:<id>`).', examples: ['corp-llm'] }), provider: provider(), hosts: req(nonEmpty(host(), 'host'), { description: 'Host names or globs.', examples: [['llm.corp.example']] }) }),
  ],
  'expected a host name or glob, or a mapping with id, provider, hosts',
);

const pathSignature = v.union(
  [
    v.pipe(path(), v.transform((p) => ({ id: p.replace(/[^a-z0-9._-]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, 64) || 'root', provider: 'custom', paths: [p], weak: false }))),
    obj({ id: req(id(), { description: 'Signature id (reported as `path:<id>`).', examples: ['corp-chat'] }), provider: provider(), paths: req(nonEmpty(path(), 'path'), { description: 'Path patterns.', examples: [['/api/generate']] }), weak: weak() }),
  ],
  'expected a path, or a mapping with id, provider, paths, weak',
);

const headerSignature = obj({
  id: req(id(), { description: 'Signature id (reported as `header:<id>`).', examples: ['corp-llm-key'] }),
  provider: provider(),
  header: req(v.pipe(text(), v.toLowerCase(), v.regex(/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'expected a header name')), { description: 'Header name.', examples: ['x-llm-key'] }),
  prefix: def(v.pipe(v.string('expected a string'), v.maxLength(64, 'expected at most 64 characters on one line'), v.regex(/^[^\r\n]*$/, 'expected at most 64 characters on one line')), '', 'Start of the value (case-insensitive); empty: the header alone is the signature.'),
  weak: weak(),
});

const bodySignature = v.pipe(
  obj({
    id: req(id(), { description: 'Signature id (reported as `body:<id>`).', examples: ['corp-llm-body'] }),
    provider: provider(),
    all: def(list(anchor()), [], { description: 'Anchors that must all occur.', examples: [['"messages"', '"role"']] }),
    any: opt(list(anchor()), { description: 'Anchors of which one must occur.', examples: [['"max_tokens"']] }),
    weak: weak(),
  }),
  v.check((b) => b.all.length > 0 || (b.any?.length ?? 0) > 0, 'needs at least one anchor in "all" or "any"'),
  v.transform(({ any, ...b }) => ({ ...b, ...(any?.length ? { any } : {}) })),
);

export const SignaturesSchema = section({
  hosts: def(list(hostSignature), [], { description: 'LLM API hosts (exact or glob).', examples: [['llm.corp.example']] }),
  paths: def(list(pathSignature), [], 'Request paths of LLM APIs (plain HTTP).'),
  headers: def(list(headerSignature), [], 'Headers that carry LLM API keys.'),
  body: def(list(bodySignature), [], 'Request body anchors of LLM API calls.'),
}, 'Additions to the shipped signature catalogue; an entry with a shipped id replaces it.');

export type SignatureCatalogue = v.InferOutput<typeof SignaturesSchema>;
export type HostSignature = SignatureCatalogue['hosts'][number];
export type PathSignature = SignatureCatalogue['paths'][number];
export type HeaderSignature = SignatureCatalogue['headers'][number];
export type BodySignature = SignatureCatalogue['body'][number];
