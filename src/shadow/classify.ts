// classify({host, path, headers, body}) → which catalogue signatures a request carries. Hosts and paths are
// matched in JS on the text as written (no DNS); headers and body go through the inspection engine's matcher.
import type { SignatureCatalogue } from './catalogue.js';
import { createHostMatcher, normalizeHost } from './hosts.js';
import { createPathMatcher, pathOnly } from './paths.js';
import { createAnchorMatcher } from './signatures.js';

export interface ClassifyInput {
  /** Host as written in the request (port, case and trailing dot allowed). */
  host: string;
  /** Request target path; a query string is ignored. */
  path?: string;
  /** Lower-case header names. */
  headers?: Record<string, string | string[] | undefined>;
  body?: Uint8Array;
}

export interface Classification {
  /** True when at least one strong signature matched. */
  matched: boolean;
  /** Signature ids such as `host:openai`, `path:ollama-generate`, `header:anthropic-version`, `body:openai-messages`. */
  signatures: string[];
  /** The most specific provider named by the matched signatures. */
  provider?: string;
}

export interface Classifier {
  classify(input: ClassifyInput): Classification;
  readonly catalogue: SignatureCatalogue;
}

interface Sig {
  id: string;
  provider: string;
  weak: boolean;
}

// Providers that say "some LLM API" rather than which one: used only when nothing more specific matched.
const GENERIC = new Set(['openai-compatible', 'custom']);
const NONE: Classification = Object.freeze({ matched: false, signatures: [] }) as Classification;

export function createClassifier(catalogue: SignatureCatalogue, opts: { maxBodyBytes?: number } = {}): Classifier {
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const hosts = createHostMatcher(catalogue.hosts.flatMap((s) => s.hosts.map((pattern) => ({ pattern, value: sig('host', s) }))));
  const paths = createPathMatcher(catalogue.paths.flatMap((s) => s.paths.map((pattern) => ({ pattern, value: sig('path', s) }))));

  const anchors: string[] = [];
  const anchorIndex = (a: string): number => {
    const k = a.toLowerCase();
    let i = anchors.indexOf(k);
    if (i < 0) i = anchors.push(k) - 1;
    return i;
  };
  const headerSigs = catalogue.headers.map((s) => ({ ...sig('header', s), anchor: anchorIndex(`\n${s.header}: ${s.prefix}`) }));
  const bodySigs = catalogue.body.map((s) => ({ ...sig('body', s), all: s.all.map(anchorIndex), any: (s.any ?? []).map(anchorIndex) }));
  const headerNames = [...new Set(catalogue.headers.map((s) => s.header))];
  // Only the start of a value is ever compared, so no more of a credential than that is copied.
  const valueChars = Math.max(0, ...catalogue.headers.map((s) => s.prefix.length)) + 1;
  const matcher = anchors.length ? createAnchorMatcher(anchors) : undefined;

  function classify(input: ClassifyInput): Classification {
    const found: Sig[] = [];
    const host = hosts.match(normalizeHost(input.host));
    if (host) found.push(host);
    if (input.path) for (const p of paths.match(pathOnly(input.path))) if (!found.includes(p)) found.push(p);
    if (matcher && (input.headers || input.body?.byteLength)) found.push(...contentSignatures(input));
    if (found.length === 0) return NONE;
    const strong = found.filter((s) => !s.weak);
    if (strong.length === 0) return { matched: false, signatures: found.map((s) => s.id) };
    const provider = strong.find((s) => !GENERIC.has(s.provider))?.provider ?? strong[0].provider;
    return { matched: true, signatures: found.map((s) => s.id), provider };
  }

  function contentSignatures(input: ClassifyInput): Sig[] {
    const head = headerText(input.headers);
    const body = input.body ? input.body.subarray(0, maxBody) : new Uint8Array(0);
    const text = head.length ? Buffer.concat([head, body]) : body;
    const inHead = new Set<number>();
    const inBody = new Set<number>();
    for (const h of matcher!.find(text)) (h.start < head.length ? inHead : inBody).add(h.anchor);
    const out: Sig[] = [];
    for (const s of headerSigs) if (inHead.has(s.anchor)) out.push(s);
    for (const s of bodySigs) {
      if (s.all.every((a) => inBody.has(a)) && (s.any.length === 0 || s.any.some((a) => inBody.has(a)))) out.push(s);
    }
    return out;
  }

  function headerText(headers: ClassifyInput['headers']): Buffer {
    if (!headers) return Buffer.alloc(0);
    let s = '';
    for (const name of headerNames) {
      const v = headers[name];
      const first = Array.isArray(v) ? v[0] : v;
      if (first !== undefined) s += `\n${name}: ${first.slice(0, valueChars)}`;
    }
    // The trailing newline keeps a header anchor from running into the body.
    return s ? Buffer.from(`${s}\n`, 'latin1') : Buffer.alloc(0);
  }

  return { classify, catalogue };
}

function sig(kind: 'host' | 'path' | 'header' | 'body', s: { id: string; provider: string; weak?: boolean }): Sig {
  return { id: `${kind}:${s.id}`, provider: s.provider, weak: s.weak === true };
}
