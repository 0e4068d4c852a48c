// Streaming text scanner (response deltas). Each push scans  [context | held | new]  where
//   context = up to CONTEXT bytes already released (look-behind only: matches starting there are
//             dropped, they were decided earlier),
//   held    = bytes not yet released because a match could still start there.
// The release point is the matcher's pending watermark (candidates that ran into the end of the
// buffer, partial anchors, the trailing non-space token), capped at `holdBack` bytes, and never
// inside a selected match. A value split across any chunk boundary is therefore seen whole, and the
// released text equals what a one-shot scan of the full text would produce.
import type { Finding } from '../types.js';
import type { IssuedToken, TextScanner } from './api.js';
import type { CompiledProfile } from './compile.js';
import { getMatcher } from './matcher.js';
import { findMatches, type Match } from './find.js';
import { replacement, rewrites, safeType } from './actions.js';

const CONTEXT = 256;
const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();

/** Moves i back to the first byte of its UTF-8 character. */
function boundary(bytes: Uint8Array, i: number, floor: number): number {
  while (i > floor && (bytes[i]! & 0xc0) === 0x80) i--;
  return i;
}

export function createStreamScanner(c: CompiledProfile, session: string, holdBack: number): TextScanner & { tokens: IssuedToken[] } {
  let carry: Uint8Array = EMPTY;
  let ctxLen = 0;
  let released = 0;
  // A delta may end between the two halves of a surrogate pair: keep the high half for the next push.
  let high = '';
  const tokens: IssuedToken[] = [];

  function step(text: string, final: boolean): { out: string; findings: Finding[] } {
    const m = getMatcher();
    m.use(c.table);
    const n = m.loadText(carry, text);
    const ptr = m.inputPtr();
    const found = findMatches(c, m, ptr, n, !final);
    const bytes = m.bytes().subarray(ptr, ptr + n);
    let cut = final ? n : Math.max(Math.min(found.pending, n), n - holdBack, ctxLen);
    for (const x of found.matches) if (x.start < cut && x.end > cut) cut = Math.max(x.start, ctxLen);
    cut = boundary(bytes, cut, ctxLen);
    const out = release(bytes, found.matches, cut);
    const nextCtx = boundary(bytes, Math.max(0, cut - CONTEXT), 0);
    carry = bytes.slice(nextCtx, n);
    released += cut - ctxLen;
    ctxLen = cut - nextCtx;
    return out;
  }

  function release(bytes: Uint8Array, matches: Match[], cut: number): { out: string; findings: Finding[] } {
    const findings: Finding[] = [];
    let out = '';
    let from = ctxLen;
    for (const x of matches) {
      if (x.end > cut || x.end <= ctxLen) continue;
      const slot = c.slots.get(x.code)!;
      // A match that starts in the released context was decided earlier, unless it reaches into unreleased text:
      // then its start went out unheld (a candidate that failed to pend). Fail closed: redact what is still here.
      const tail = x.start < ctxLen;
      const start = released + (Math.max(x.start, ctxLen) - ctxLen);
      findings.push({ detector: slot.id, type: slot.type, action: slot.action, start, end: released + (x.end - ctxLen) });
      if (!rewrites(slot.action)) continue;
      const r = tail ? `[REDACTED:${safeType(slot.type)}]` : replacement(slot, decoder.decode(bytes.subarray(x.start, x.end)), c.hmacKey, session, tokens);
      out += decoder.decode(bytes.subarray(from, Math.max(x.start, ctxLen))) + r;
      from = x.end;
    }
    out += decoder.decode(bytes.subarray(from, cut));
    return { out, findings };
  }

  return {
    tokens,
    push: function push(text: string) {
      text = high + text;
      const last = text.charCodeAt(text.length - 1);
      high = last >= 0xd800 && last <= 0xdbff ? text.slice(-1) : '';
      return step(high ? text.slice(0, -1) : text, false);
    },
    end: function end() {
      const r = step(high, true);
      high = '';
      carry = EMPTY;
      ctxLen = 0;
      return r;
    },
  };
}
