// Digit-run scanner: one walk over a run of digits and separators classifies it as card, SSN, IPv4,
// phone or (looking back two letters) IBAN. Characters come classified from the Unicode tables (chars.ts):
// a decimal digit of any script counts as its value, invisible characters (default-ignorables, combining marks,
// format and control characters) inside the run are skipped, and separators have kinds (space, dash, dot, …),
// so none of these can hide a number (README, "Evasions"). ASCII digits take a fast path.
import { at, before, len, emit, pend, on } from "./state";
import { isWord } from "./tables";
import { asciiClass, charAt, isDigitClass, isSepClass, isLetterClass, significantBefore, skipIgnorable, C_DIGIT, C_IGNORE, C_SEP, C_LETTER } from "./chars";
import { K_SPACE, K_DASH, K_DOT, K_OPEN, K_CLOSE, K_SLASH, K_UNDERSCORE, K_BREAK, K_LIST, K_PLUS } from "./unicode";
import { D_CARD, D_SSN, D_PHONE, D_IBAN, D_IPV4 } from "./codes";
import { luhn, cardNetwork, ssnValid, ibanValid } from "./validate";

const MAXD: i32 = 32;
const MAXG: i32 = 16;
const DIG: usize = memory.data(MAXD);
const GS: usize = memory.data(MAXG * 4); // group start byte offset
const GE: usize = memory.data(MAXG * 4); // group end byte offset
const GD: usize = memory.data(MAXG * 4); // index of the group's first digit in DIG
const GSEP: usize = memory.data(MAXG * 2); // separator kinds between group g-1 and group g
const GW: usize = memory.data(MAXG); // 1 when whitespace precedes the group: a new value may start there
const IB: usize = memory.data(48);

const SEP_SPACE: u32 = 1;
const SEP_DASH: u32 = 2;
const SEP_DOT: u32 = 4;
const SEP_PAREN: u32 = 8;
const SEP_SLASH: u32 = 16;
const SEP_BREAK: u32 = 32; // line breaks and tabs: only cards (and IBANs) accept them (a JSON "\n" must not split a card)
const SEP_UNDERSCORE: u32 = 64; // only cards accept it (4111_1111_1111_1111 is still a card)
const SEP_LIST: u32 = 128; // , : ; | ' and look-alikes: only cards, only on their own ("4111,1111", not "4111, 1111")
const SEP_PLUS: u32 = 256; // '+' between groups: only cards, on its own

/** Separator kind (unicode.ts K_*) → the bit groups and validators work with. */
function sepBit(k: u32): u32 {
  if (k == K_SPACE) return SEP_SPACE;
  if (k == K_DASH) return SEP_DASH;
  if (k == K_DOT) return SEP_DOT;
  if (k == K_OPEN || k == K_CLOSE) return SEP_PAREN;
  if (k == K_SLASH) return SEP_SLASH;
  if (k == K_UNDERSCORE) return SEP_UNDERSCORE;
  if (k == K_BREAK) return SEP_BREAK;
  if (k == K_LIST) return SEP_LIST;
  return SEP_PLUS;
}

// Between two groups: [space] [punctuation] [space] — at most one punctuation character (dash, dot, slash, …)
// with at most one space on either side, or up to two spaces; a line break counts as a space and the
// indentation after it (spaces, tabs, the \n of \r\n) is skipped. List punctuation and '+' only on their own:
// "4111,1111" is a card's grouping, "4111, 1111" a list.
const SEP_END: i32 = 0;
const SEP_COUNTS: i32 = 1;
const SEP_SKIP: i32 = 2;
let wsBefore: i32 = 0;
let wsAfter: i32 = 0;
let punct: i32 = 0;
let tightSeen: bool = false;
let indent: bool = false;

function sepReset(): void {
  wsBefore = 0;
  wsAfter = 0;
  punct = 0;
  tightSeen = false;
  indent = false;
}

@inline function sepStep(kind: u32, i: i32): i32 {
  const b = at(i);
  if (indent && (kind == SEP_SPACE || b == 9 || (b == 10 && before(i) == 13))) return SEP_SKIP;
  if (kind == SEP_SPACE || kind == SEP_BREAK) {
    if (tightSeen) return SEP_END;
    if (punct == 0) {
      if (wsBefore >= 2) return SEP_END;
      wsBefore++;
    } else {
      if (wsAfter >= 1) return SEP_END;
      wsAfter++;
    }
    if (kind == SEP_BREAK) indent = true;
    return SEP_COUNTS;
  }
  const tight = (kind & (SEP_LIST | SEP_PLUS)) != 0;
  if (punct > 0 || wsBefore > 1 || (tight && wsBefore > 0)) return SEP_END;
  punct++;
  tightSeen = tight;
  indent = false;
  return SEP_COUNTS;
}

let nd: i32 = 0;
let ng: i32 = 0;
let seps: u32 = 0;
let lastRunEnd: i32 = 0;

@inline function g32(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}

@inline function s32(base: usize, i: i32, v: i32): void {
  store<i32>(base + (<usize>i << 2), v);
}

/** Reports a match; the end takes along invisible characters right after it (a combining mark on the last digit). */
function emitSpan(code: u32, s: i32, e: i32): void {
  emit(code, s, skipIgnorable(e, len()));
}

/** Walks the run starting at digit q; fills DIG/groups; returns the index where the walk stopped. */
function walkRun(q: i32): i32 {
  nd = 0;
  ng = 0;
  seps = 0;
  sepReset();
  const n = len();
  let cur = 0;
  let between: u32 = 0; // separators since the last digit: they count only if another digit follows
  let i = q;
  let lastEnd = q;
  while (i < n) {
    const b = at(i);
    let c: u32 = C_DIGIT + b - 48;
    let l: i32 = 1;
    if (b - 48 >= 10) {
      if (b < 0x80) c = asciiClass(b);
      else {
        const x = charAt(i);
        c = x & 0xff;
        l = <i32>(x >> 8);
      }
    }
    if (isDigitClass(c)) {
      // Bound the run (several values separated by single spaces): end it before a group that could
      // not fit; the rest is scanned as a new run.
      if (cur == 0 && (ng == MAXG || nd >= 24)) break;
      if (nd == MAXD && ng > 0) {
        // This group does not fit: end the run before it.
        if (cur > 0) {
          i = g32(GS, ng);
          nd = g32(GD, ng);
          lastEnd = g32(GE, ng - 1);
          cur = 0;
        }
        break;
      }
      if (cur == 0) {
        s32(GS, ng, i);
        s32(GD, ng, nd);
        store<u8>(GW + <usize>ng, (between & (SEP_SPACE | SEP_BREAK)) != 0 ? 1 : 0);
        store<u16>(GSEP + (<usize>ng << 1), <u16>between);
      }
      if (nd < MAXD) store<u8>(DIG + <usize>nd, <u8>(c - C_DIGIT));
      nd++;
      cur++;
      i += l;
      lastEnd = i;
      sepReset();
      seps |= between;
      between = 0;
      continue;
    }
    if (c == C_IGNORE) { i += l; continue; }
    if (!isSepClass(c)) break;
    const kind = sepBit(c - C_SEP);
    const step = sepStep(kind, i);
    if (step == SEP_END) break;
    if (step == SEP_COUNTS) {
      if (cur > 0) {
        if (ng < MAXG) s32(GE, ng, lastEnd);
        ng++;
        cur = 0;
      }
      between |= kind;
    }
    i += l;
  }
  if (cur > 0) {
    if (ng < MAXG) s32(GE, ng, lastEnd);
    ng++;
  }
  if (ng > 0 && ng <= MAXG) seps = sepsOf(0, ng - 1);
  lastRunEnd = lastEnd;
  return i;
}

function groupLen(g: i32): i32 {
  return (g + 1 < ng ? g32(GD, g + 1) : nd) - g32(GD, g);
}

function groupsAre(a: i32, b: i32, c: i32, d: i32): bool {
  const want = d > 0 ? 4 : 3;
  if (ng != want) return false;
  return groupLen(0) == a && groupLen(1) == b && groupLen(2) == c && (d == 0 || groupLen(3) == d);
}

/** Separator kinds used between groups g0..g1. */
function sepsOf(g0: i32, g1: i32): u32 {
  let k: u32 = 0;
  for (let g = g0 + 1; g <= g1; g++) k |= <u32>load<u16>(GSEP + (<usize>g << 1));
  return k;
}

function tryCard(g0: i32, g1: i32): bool {
  const seps = sepsOf(g0, g1);
  const d0 = g32(GD, g0);
  const n = (g1 + 1 < ng ? g32(GD, g1 + 1) : nd) - d0;
  if (n < 13 || n > 19) return false;
  if ((seps & SEP_PAREN) != 0) return false;
  // Dots, slashes, underscores, list punctuation and '+' also join dates, versions, identifiers and lists:
  // only as printed 3+ groups.
  if ((seps & (SEP_DOT | SEP_SLASH | SEP_UNDERSCORE | SEP_LIST | SEP_PLUS)) != 0 && g1 - g0 < 2) return false;
  // Printed cards group 3-6 digits (4-4-4-4, 4-6-5, …); runs of 1-2 digit groups are prices and scores.
  for (let g = g0; g <= g1 && g0 != g1; g++) if (groupLen(g) < 3) return false;
  const d = DIG + <usize>d0;
  return cardNetwork(d, n) && luhn(d, n);
}

function tryIPv4(): bool {
  if (seps != SEP_DOT || ng != 4) return false;
  for (let g = 0; g < 4; g++) {
    const l = groupLen(g);
    if (l > 3) return false;
    let v = 0;
    for (let k = 0; k < l; k++) v = v * 10 + <i32>load<u8>(DIG + <usize>(g32(GD, g) + k));
    if (v > 255) return false;
  }
  return true;
}

function tryPhone(plus: bool, paren: bool): bool {
  if ((seps & ~(SEP_SPACE | SEP_DASH | SEP_DOT | SEP_PAREN)) != 0) return false;
  if (plus) return nd >= 8 && nd <= 15;
  if (seps == 0 && !paren) return false; // bare digit strings are order numbers, ids, timestamps
  const first = <u32>load<u8>(DIG);
  if (groupsAre(3, 3, 4, 0) && first >= 2) return true; // NANP (555) 123-4567
  if (groupsAre(1, 3, 3, 4) && first == 1 && <u32>load<u8>(DIG + 1) >= 2) return true;
  // National trunk-prefix formats such as 020 7946 0958 / 06-12345678.
  return !paren && first == 0 && nd >= 10 && nd <= 11 && ng >= 2 && ng <= 4 && (seps & SEP_DOT) == 0;
}

function trySSN(plus: bool, paren: bool): bool {
  if (plus || paren) return false;
  if (seps == 0 || (seps & ~(SEP_DASH | SEP_SPACE)) != 0) return false;
  return groupsAre(3, 2, 4, 0) && ssnValid(DIG);
}

const IBN: usize = memory.data(16 * 4); // character count at each group end
const IBE: usize = memory.data(16 * 4); // byte offset of that group end

/** The IBAN starting at the country letter at s (letters A-Z by NFKC, digits of any script); returns its end or 0. */
function scanIban(s: i32): i32 {
  const n = len();
  let i = s;
  let nch = 0;
  let end = s;
  let cuts = 0;
  let open = false; // inside the separators after a group
  sepReset();
  while (nch < 40 && i < n) {
    const x = charAt(i);
    const c = x & 0xff;
    const l = <i32>(x >> 8);
    if (isLetterClass(c) || isDigitClass(c)) {
      store<u8>(IB + <usize>nch, <u8>(isLetterClass(c) ? 65 + c - C_LETTER : 48 + c - C_DIGIT));
      nch++;
      i += l;
      end = i;
      open = false;
      sepReset();
      continue;
    }
    if (c == C_IGNORE) { i += l; continue; }
    // Groups are separated by spaces, dashes or line breaks (as between a card's groups).
    const kind = isSepClass(c) ? sepBit(c - C_SEP) : 0;
    if ((kind & (SEP_SPACE | SEP_DASH | SEP_BREAK)) == 0 || nch < 4 || sepStep(kind, i) == SEP_END) break;
    if (!open) {
      if (cuts >= 16) break;
      s32(IBN, cuts, nch);
      s32(IBE, cuts, end);
      cuts++;
      open = true;
    }
    i += l;
  }
  // Stopped at the end of the buffer (perhaps inside separators): more groups may follow.
  if (i >= n) pend(s);
  if (nch < 4 || load<u8>(IB + 2) - 48 >= 10 || load<u8>(IB + 3) - 48 >= 10) return 0;
  // The whole run, else the longest prefix ending at a group boundary ("GB82 WEST … 32 4242 …").
  if (nch <= 34 && nch >= 15 && !isWord(at(end)) && ibanValid(IB, nch)) {
    emitSpan(D_IBAN, s, end);
    return end;
  }
  for (let k = cuts - 1; k >= 0; k--) {
    const m = g32(IBN, k);
    if (m > 34) continue;
    if (m < 15) break;
    if (ibanValid(IB, m)) {
      emitSpan(D_IBAN, s, g32(IBE, k));
      return g32(IBE, k);
    }
  }
  return 0;
}

/** Start of the two capital letters (any width) right before digit q, when they can open an IBAN; else -1. */
function ibanStart(q: i32): i32 {
  // Fast path: the byte before the digit is ASCII and no capital letter (nearly always).
  if (q > 0) {
    const b = at(q - 1);
    if (b < 0x80 && b - 65 >= 26 && asciiClass(b) != C_IGNORE) return -1;
  }
  const l2 = significantBefore(q);
  if (l2 < 0 || !isLetterClass(charAt(l2) & 0xff)) return -1;
  const l1 = significantBefore(l2);
  if (l1 < 0 || !isLetterClass(charAt(l1) & 0xff)) return -1;
  const p = significantBefore(l1);
  if (p >= 0) {
    const c = charAt(p) & 0xff;
    if (isLetterClass(c) || isDigitClass(c) || isWord(at(p))) return -1;
  }
  return l1;
}

/** Digit (of any script) at q: classify the run it starts; returns where digit triggers resume. */
export function scanNumber(q: i32): i32 {
  if (at(q) >= 0x80) {
    const x = charAt(q);
    if (!isDigitClass(x & 0xff)) return q + <i32>(x >> 8);
  }
  if (on(D_IBAN)) {
    const s = ibanStart(q);
    if (s >= 0) {
      const e = scanIban(s);
      if (e > 0) return e;
    }
  }
  // '+' or '(' just before the first digit (invisible characters between are skipped) opens a phone number.
  const p = significantBefore(q);
  const pc = p >= 0 ? charAt(p) & 0xff : 0;
  const plus = pc == C_SEP + K_PLUS;
  const paren = pc == C_SEP + K_OPEN;
  const start = plus || paren ? p : q;
  const stop = walkRun(q);
  let end = lastRunEnd;
  if (stop >= len()) pend(start);
  if (nd > MAXD || ng > MAXG) return stop;
  // "v1.2.3 4242 …": a bad left edge poisons only the first group; retry from the next spaced group.
  if (isWord(before(start))) return resume(1, stop);
  if (isWord(at(end))) {
    if (ng == 1) return stop;
    ng--;
    nd = g32(GD, ng);
    end = g32(GE, ng - 1);
    seps = sepsOf(0, ng - 1);
  }
  // Cards first (Luhn + issuer ranges make them the strongest shape), anywhere in the run; then the
  // longest whitespace-delimited prefix before the first card that is a value
  // ("+1 (415) 555-2671 4242 4242 4242 4242"). Later values are found by resuming at each spaced group.
  const ng0 = ng;
  const nd0 = nd;
  const firstCard = on(D_CARD) && !plus ? cardWindows() : ng0;
  for (let e = min(firstCard, ng0) - 1; e >= 0; e--) {
    if (e < ng0 - 1 && load<u8>(GW + <usize>(e + 1)) == 0) continue;
    ng = e + 1;
    nd = e + 1 < ng0 ? g32(GD, e + 1) : nd0;
    seps = sepsOf(0, e);
    if (classify(q, start, e + 1 < ng0 ? g32(GE, e) : end, plus, paren)) break;
  }
  ng = ng0;
  nd = nd0;
  return resume(1, stop);
}

/** Card, SSN, IPv4, phone — first that fits the current groups wins. */
function classify(q: i32, start: i32, end: i32, plus: bool, paren: bool): bool {
  if (on(D_SSN) && trySSN(plus, paren)) { emitSpan(D_SSN, q, end); return true; }
  if (on(D_IPV4) && !plus && !paren && tryIPv4()) { emitSpan(D_IPV4, q, end); return true; }
  if (on(D_PHONE) && tryPhone(plus, paren)) { emitSpan(D_PHONE, start, end); return true; }
  return false;
}

/** Where digit triggers resume after an unclassified run: the first whitespace-led group ≥ g. */
function resume(g: i32, stop: i32): i32 {
  for (; g < ng && g < MAXG; g++) if (load<u8>(GW + <usize>g) != 0) return g32(GS, g);
  return stop;
}

/** Emits every card window of the run (leftmost-longest); returns the first card's group, or ng. */
function cardWindows(): i32 {
  let g0 = 0;
  let first = ng;
  while (g0 < ng) {
    let count = 0;
    let found = -1;
    for (let g1 = g0; g1 < ng; g1++) {
      count += groupLen(g1);
      if (count > 19) break;
      if (count >= 13 && tryCard(g0, g1)) found = g1;
    }
    if (found >= 0) {
      emitSpan(D_CARD, g32(GS, g0), g32(GE, found));
      if (first == ng) first = g0;
      g0 = found + 1;
    } else {
      g0++;
    }
  }
  return first;
}
