// Host names and paths as written: normalised and matched against catalogue globs without any DNS lookup,
// so a decision about `api.openai.com` never depends on (or leaks through) the resolver.
import { globMatch } from '../policy/glob.js';

const MAX_HOST = 253;

/** `API.OpenAI.com.:443` → `api.openai.com`; `[::1]:8080` → `::1`. Returns '' for nothing usable. */
export function normalizeHost(raw: string): string {
  let h = raw.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? '' : h.slice(1, end).toLowerCase();
  }
  const colon = h.indexOf(':');
  // More than one colon and no brackets: a bare IPv6 address, not host:port.
  if (colon >= 0 && h.indexOf(':', colon + 1) < 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length > MAX_HOST) return '';
  return h.toLowerCase();
}

export interface HostRule<T> {
  pattern: string;
  value: T;
}

export interface HostMatcher<T> {
  match(host: string): T | undefined;
}

/**
 * Exact names hit a Map. A leading `*.` matches one or more labels (`*.openai.azure.com` covers
 * `a.b.openai.azure.com`); any other `*` stays inside one label (`bedrock-runtime.*.amazonaws.com`).
 * Globs are indexed by their last two labels, which must be literal, so most hosts try none.
 */
export function createHostMatcher<T>(rules: ReadonlyArray<HostRule<T>>): HostMatcher<T> {
  const exact = new Map<string, T>();
  const globs = new Map<string, Array<{ labels: string[] | null; suffix: string; value: T }>>();
  for (const r of rules) {
    const p = r.pattern.toLowerCase();
    if (!p.includes('*')) {
      if (!exact.has(p)) exact.set(p, r.value);
      continue;
    }
    const deep = p.startsWith('*.') && !p.slice(2).includes('*');
    const entry = { labels: deep ? null : p.split('.'), suffix: deep ? p.slice(1) : '', value: r.value };
    const key = lastLabels(p);
    const list = globs.get(key) ?? [];
    list.push(entry);
    globs.set(key, list);
  }
  return {
    match: function matchHost(host) {
      const hit = exact.get(host);
      if (hit !== undefined) return hit;
      const list = globs.get(lastLabels(host));
      if (!list) return undefined;
      let labels: string[] | undefined;
      for (const g of list) {
        if (g.labels === null) {
          if (host.length > g.suffix.length && host.endsWith(g.suffix)) return g.value;
          continue;
        }
        labels ??= host.split('.');
        if (labels.length === g.labels.length && g.labels.every((l, i) => globMatch(l, labels![i]))) return g.value;
      }
      return undefined;
    },
  };
}

/** One glob against one normalised host, with createHostMatcher's semantics (for small unindexed rule lists). */
export function hostGlobMatch(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.') && !pattern.slice(2).includes('*')) return host.length > pattern.length - 1 && host.endsWith(pattern.slice(1));
  const p = pattern.split('.');
  const h = host.split('.');
  return p.length === h.length && p.every((l, i) => globMatch(l, h[i]));
}

function lastLabels(host: string): string {
  const last = host.lastIndexOf('.');
  if (last < 0) return host;
  const prev = host.lastIndexOf('.', last - 1);
  return host.slice(prev + 1);
}

/** Why a host glob is unusable, or undefined when it is fine (config validation). */
export function hostPatternProblem(p: string): string | undefined {
  if (!/^[a-z0-9*.-]+$/i.test(p)) return 'expected a host name or glob (letters, digits, "-", ".", "*")';
  if (p.includes('**')) return '"**" is not supported; a leading "*." already matches any depth';
  const labels = p.split('.');
  if (labels.length < 2 || labels.slice(-2).some((l) => l.includes('*') || l === '')) {
    return 'the last two labels must be literal (e.g. "*.example.com")';
  }
  return undefined;
}
