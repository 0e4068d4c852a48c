// Glob-ish matching for subjects, groups, jobs, connections, models and tools.
// `*` matches any run of characters, `?` exactly one; everything else is literal.
// A two-pointer matcher rather than a RegExp: linear-ish and immune to pathological patterns.

export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && c !== 42 /* * */ && (c === 63 /* ? */ || c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < pattern.length && c === 42) {
      starP = p++;
      starT = t;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

export function anyGlob(patterns: readonly string[], text: string): boolean {
  for (const pattern of patterns) if (globMatch(pattern, text)) return true;
  return false;
}

/** True when the list constrains nothing (every entry is a bare `*`). */
export function isWildcard(patterns: readonly string[]): boolean {
  return patterns.every((p) => /^\*+$/.test(p));
}
