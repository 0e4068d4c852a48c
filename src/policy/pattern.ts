// Custom policy patterns are RE2 (linear time, so no policy can ReDoS the gateway).
// This module is the single seam to swap for the inspection engine's `validateCustomPattern`
// once src/inspect/ provides it, so load-time and scan-time agree on what is valid.
import { RE2 } from 're2-wasm';

/** Flags a policy may set; `u` is always added (the engine matches Unicode text). */
export const PATTERN_FLAGS = /^[ims]*$/;

/** Returns why the pattern is unusable, or undefined when it compiles under RE2. */
export function validatePattern(pattern: string, flags: string): string | undefined {
  if (!PATTERN_FLAGS.test(flags)) return `flags may only contain i, m, s (got "${flags}")`;
  try {
    new RE2(pattern, `u${flags}`);
    return undefined;
  } catch (err) {
    // re2-wasm's message repeats the whole pattern first; keep RE2's reason and the offending fragment.
    const msg = err instanceof Error ? err.message : String(err);
    const prefix = `Invalid regular expression: /${pattern}/u${flags}: `;
    return `invalid pattern: ${msg.startsWith(prefix) ? msg.slice(prefix.length) : msg}`;
  }
}

/** A tester for small texts (the optional prompt text given to evaluate()). */
export function compilePattern(pattern: string, flags: string): (text: string) => boolean {
  const re = new RE2(pattern, `u${flags}`);
  return function testPattern(text: string): boolean {
    re.lastIndex = 0;
    return re.test(text);
  };
}

export type PatternValidator = typeof validatePattern;
