// A small stand-in for the inspection engine's TextScanner, with exact streaming semantics:
// concatenating every push()/end() output equals maskOnce() of the concatenated input.
// Detectors: any run of 16 digits (`card`) and `SECRET-` + 1..12 word characters (`secret`);
// leftmost-first, non-overlapping, greedy, like a JS global regex over the whole text.
// Swap `newFakeScanner` for `createEngine(profile).createTextScanner` to run the same tests on the real engine.
import type { TextScanner } from '../../src/inspect/api.js';
import type { Finding } from '../../src/types.js';

const PATTERN = /\d{16}|SECRET-\w{1,12}/g;
/** Longest possible match: a hold-back of at least MAX_MATCH - 1 keeps streaming equal to one-shot. */
const MAX_MATCH = 19;

function maskSpan(text: string, from: number, to: number, base: number, findings: Finding[]): string {
  let out = '';
  let last = from;
  PATTERN.lastIndex = from;
  for (let m = PATTERN.exec(text); m !== null && m.index < to; m = PATTERN.exec(text)) {
    const type = m[0].startsWith('SECRET-') ? 'secret' : 'card';
    out += text.slice(last, m.index) + `[REDACTED:${type}]`;
    findings.push({ detector: type, type, action: 'redact', start: base + m.index, end: base + m.index + m[0].length });
    last = m.index + m[0].length;
  }
  return out + text.slice(last, Math.max(last, to));
}

export function maskOnce(text: string): { out: string; findings: Finding[] } {
  const findings: Finding[] = [];
  return { out: maskSpan(text, 0, text.length, 0, findings), findings };
}

export function newFakeScanner(opts: { holdBack?: number } = {}): TextScanner {
  const holdBack = opts.holdBack ?? 20;
  if (holdBack < MAX_MATCH - 1) throw new RangeError(`holdBack must be at least ${MAX_MATCH - 1}`);
  let pending = '';
  let offset = 0;

  function release(final: boolean): { out: string; findings: Finding[] } {
    const findings: Finding[] = [];
    // Matches starting before `limit` are complete (holdBack ≥ longest match − 1); later ones may still grow.
    const limit = final ? pending.length : pending.length - holdBack;
    if (limit <= 0) return { out: '', findings };
    let cut = limit;
    PATTERN.lastIndex = 0;
    for (let m = PATTERN.exec(pending); m !== null && m.index < limit; m = PATTERN.exec(pending)) {
      cut = Math.max(cut, m.index + m[0].length);
    }
    const c = pending.charCodeAt(cut - 1);
    if (!final && cut === limit && c >= 0xd800 && c <= 0xdbff) cut--;
    const out = maskSpan(pending, 0, cut, offset, findings);
    offset += cut;
    pending = pending.slice(cut);
    return { out, findings };
  }

  return {
    push: function pushFake(text) {
      pending += text;
      return release(false);
    },
    end: function endFake() {
      return release(true);
    },
  };
}
