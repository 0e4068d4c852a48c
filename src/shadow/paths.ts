// URL path signatures: a pattern matches the end of a path at a segment boundary, so a server mounted
// under a prefix (`/openai/v1/chat/completions` on Groq, `/llm/api/generate` behind nginx) still matches.
// `*` inside a segment matches any run of characters in that segment.
import { globMatch } from '../policy/glob.js';

export interface PathRule<T> {
  pattern: string;
  value: T;
}

interface Compiled<T> {
  segments: string[];
  value: T;
}

export interface PathMatcher<T> {
  /** Every rule whose pattern ends the path (query and fragment already removed). */
  match(path: string): T[];
}

const MAX_PATH = 4096;

export function createPathMatcher<T>(rules: ReadonlyArray<PathRule<T>>): PathMatcher<T> {
  // Indexed by the final segment: a path only tries patterns that can end it.
  const byLast = new Map<string, Array<Compiled<T>>>();
  const wildLast: Array<Compiled<T>> = [];
  for (const r of rules) {
    const segments = trimSlashes(r.pattern).split('/');
    const c = { segments, value: r.value };
    const last = segments[segments.length - 1];
    if (last.includes('*')) wildLast.push(c);
    else byLast.set(last, [...(byLast.get(last) ?? []), c]);
  }
  return {
    match: function matchPath(path) {
      if (path.length > MAX_PATH) path = path.slice(0, MAX_PATH);
      const segs = trimSlashes(path).split('/');
      const out: T[] = [];
      const exact = byLast.get(segs[segs.length - 1]);
      if (exact) for (const c of exact) if (endsWith(segs, c.segments)) out.push(c.value);
      for (const c of wildLast) if (endsWith(segs, c.segments)) out.push(c.value);
      return out;
    },
  };
}

function endsWith(segs: string[], pattern: string[]): boolean {
  const offset = segs.length - pattern.length;
  if (offset < 0) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    const s = segs[offset + i];
    if (p.includes('*') ? !(s.length > 0 && globMatch(p, s)) : p !== s) return false;
  }
  return true;
}

function trimSlashes(p: string): string {
  let a = 0;
  let b = p.length;
  while (a < b && p.charCodeAt(a) === 47) a++;
  while (b > a && p.charCodeAt(b - 1) === 47) b--;
  return p.slice(a, b);
}

/** Path part of a request target: query and fragment dropped (they may carry keys, e.g. Gemini's `?key=`). */
export function pathOnly(target: string): string {
  let end = target.length;
  const q = target.indexOf('?');
  if (q >= 0) end = q;
  const h = target.indexOf('#');
  if (h >= 0 && h < end) end = h;
  return target.slice(0, end);
}

/** Why a path pattern is unusable, or undefined when it is fine. */
export function pathPatternProblem(p: string): string | undefined {
  if (!p.startsWith('/')) return 'expected a path starting with "/"';
  if (/[?#\s]/.test(p)) return 'a path pattern may not contain "?", "#" or spaces';
  if (trimSlashes(p) === '') return 'a path pattern needs at least one segment';
  return undefined;
}
