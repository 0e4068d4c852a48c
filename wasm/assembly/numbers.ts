// Digit-run scanner: one walk over a run of digits and separators classifies it as card, SSN, IPv4,
// phone or (looking back two letters) IBAN. Full-width digits count as digits; zero-width characters
// and soft hyphens inside the run are skipped, so they cannot split a number (evasions, README).
import { at, before, len, emit, pend, on } from "./state";
import { cls, isWord, C_UPPER, C_DIGIT } from "./tables";
import { D_CARD, D_SSN, D_PHONE, D_IBAN, D_IPV4 } from "./codes";
import { luhn, cardNetwork, ssnValid, ibanValid } from "./validate";

const MAXD: i32 = 32;
const MAXG: i32 = 16;
const DIG: usize = memory.data(MAXD);
const GS: usize = memory.data(MAXG * 4); // group start byte offset
const GE: usize = memory.data(MAXG * 4); // group end byte offset
const GD: usize = memory.data(MAXG * 4); // index of the group's first digit in DIG
const GSEP: usize = memory.data(MAXG); // separator kinds between group g-1 and group g
const GW: usize = memory.data(MAXG); // 1 when whitespace precedes the group: a new value may start there
const IB: usize = memory.data(48);

const SEP_SPACE: u32 = 1;
const SEP_DASH: u32 = 2;
const SEP_DOT: u32 = 4;
const SEP_PAREN: u32 = 8;
const SEP_SLASH: u32 = 16;
const SEP_BREAK: u32 = 32; // \n \r \t: only cards accept them (a JSON "\n" must not split a card)
const SEP_UNDERSCORE: u32 = 64; // only cards accept it (4111_1111_1111_1111 is still a card)

let nd: i32 = 0;
let ng: i32 = 0;
let seps: u32 = 0;
let sepKind: u32 = 0;

@inline function g32(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}

@inline function s32(base: usize, i: i32, v: i32): void {
  store<i32>(base + (<usize>i << 2), v);
}

/** Byte length of a full-width digit (U+FF10..U+FF19) at i, else 0. */
@inline function fullwidthDigit(i: i32): i32 {
  return at(i) == 0xef && at(i + 1) == 0xbc && at(i + 2) - 0x90 < 10 ? 3 : 0;
}

/** Byte length of an invisible character (ZWSP, ZWNJ, ZWJ, WJ, BOM, soft hyphen) at i, else 0. */
export function invisible(i: i32): i32 {
  const b = at(i);
  if (b == 0xe2) {
    const b1 = at(i + 1);
    const b2 = at(i + 2);
    if (b1 == 0x80 && b2 - 0x8b < 3) return 3;
    if (b1 == 0x81 && b2 == 0xa0) return 3;
    return 0;
  }
  if (b == 0xef) return at(i + 1) == 0xbb && at(i + 2) == 0xbf ? 3 : 0;
  if (b == 0xc2) return at(i + 1) == 0xad ? 2 : 0;
  return 0;
}

/** Byte length of a visible separator at i (sets sepKind), else 0. */
function separator(i: i32): i32 {
  const b = at(i);
  if (b == 32) { sepKind = SEP_SPACE; return 1; }
  if (b == 45) { sepKind = SEP_DASH; return 1; }
  if (b == 46) { sepKind = SEP_DOT; return 1; }
  if (b == 40 || b == 41) { sepKind = SEP_PAREN; return 1; }
  if (b == 47) { sepKind = SEP_SLASH; return 1; }
  if (b == 95) { sepKind = SEP_UNDERSCORE; return 1; }
  if (b == 10 || b == 13 || b == 9) { sepKind = SEP_BREAK; return 1; }
  if (b == 0xc2 && at(i + 1) == 0xa0) { sepKind = SEP_SPACE; return 2; } // NBSP
  if (b == 0xe2 && at(i + 1) == 0x80 && at(i + 2) - 0x90 < 4) { sepKind = SEP_DASH; return 3; } // U+2010..2013
  if (b == 0xef && at(i + 1) == 0xbc && at(i + 2) == 0x8d) { sepKind = SEP_DASH; return 3; } // full-width -
  if (b == 0xe3 && at(i + 1) == 0x80 && at(i + 2) == 0x80) { sepKind = SEP_SPACE; return 3; } // ideographic space
  return 0;
}

/** Walks the run starting at digit q; fills DIG/groups; returns the index where the walk stopped. */
function walkRun(q: i32): i32 {
  nd = 0;
  ng = 0;
  seps = 0;
  let cur = 0;
  let consecutive = 0;
  let between: u32 = 0; // separators since the last digit: they count only if another digit follows
  let i = q;
  let lastEnd = q;
  while (true) {
    const b = at(i);
    let dl = b - 48 < 10 ? 1 : fullwidthDigit(i);
    if (dl > 0) {
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
        store<u8>(GSEP + <usize>ng, <u8>between);
      }
      if (nd < MAXD) store<u8>(DIG + <usize>nd, <u8>(dl == 1 ? b - 48 : at(i + 2) - 0x90));
      nd++;
      cur++;
      i += dl;
      lastEnd = i;
      consecutive = 0;
      seps |= between;
      between = 0;
      continue;
    }
    const inv = invisible(i);
    if (inv > 0) { i += inv; continue; }
    const sl = separator(i);
    if (sl > 0 && consecutive < 2) {
      if (cur > 0) {
        if (ng < MAXG) s32(GE, ng, lastEnd);
        ng++;
        cur = 0;
      }
      between |= sepKind;
      consecutive++;
      i += sl;
      continue;
    }
    break;
  }
  if (cur > 0) {
    if (ng < MAXG) s32(GE, ng, lastEnd);
    ng++;
  }
  if (ng > 0 && ng <= MAXG) seps = sepsOf(0, ng - 1);
  lastRunEnd = lastEnd;
  return i;
}

let lastRunEnd: i32 = 0;

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
  for (let g = g0 + 1; g <= g1; g++) k |= <u32>load<u8>(GSEP + <usize>g);
  return k;
}

function tryCard(g0: i32, g1: i32): bool {
  const seps = sepsOf(g0, g1);
  const d0 = g32(GD, g0);
  const n = (g1 + 1 < ng ? g32(GD, g1 + 1) : nd) - d0;
  if (n < 13 || n > 19) return false;
  if ((seps & ~(SEP_SPACE | SEP_DASH | SEP_DOT | SEP_BREAK | SEP_SLASH | SEP_UNDERSCORE)) != 0) return false;
  // Dots, slashes and underscores also join dates, versions and identifiers: only as printed 3+ groups.
  if ((seps & (SEP_DOT | SEP_SLASH | SEP_UNDERSCORE)) != 0 && g1 - g0 < 2) return false;
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
  if (seps != SEP_DASH && seps != SEP_SPACE) return false;
  return groupsAre(3, 2, 4, 0) && ssnValid(DIG);
}

const IBN: usize = memory.data(16 * 4); // character count at each space-separated group end
const IBE: usize = memory.data(16 * 4); // byte offset of that group end

/** IBAN starting at the two country letters at s; returns the end or 0. */
function scanIban(s: i32): i32 {
  let i = s;
  let n = 0;
  let end = s;
  let cuts = 0;
  while (n < 40) {
    const b = at(i);
    const c = cls(b);
    if ((c & (C_UPPER | C_DIGIT)) != 0) {
      store<u8>(IB + <usize>n, <u8>b);
      n++;
      i++;
      end = i;
      continue;
    }
    if (b == 32 && n >= 4 && (cls(at(i + 1)) & (C_UPPER | C_DIGIT)) != 0 && cuts < 16) {
      s32(IBN, cuts, n);
      s32(IBE, cuts, end);
      cuts++;
      i++;
      continue;
    }
    break;
  }
  // Stopped at the end, or at a space that is the last byte: more groups may follow.
  if (i + 1 >= len()) pend(s);
  if ((cls(load<u8>(IB + 2)) & C_DIGIT) == 0 || (cls(load<u8>(IB + 3)) & C_DIGIT) == 0) return 0;
  // The whole run, else the longest prefix ending at a space ("GB82 WEST … 32 4242 …").
  if (n <= 34 && n >= 15 && !isWord(at(end)) && ibanValid(IB, n)) {
    emit(D_IBAN, s, end);
    return end;
  }
  for (let k = cuts - 1; k >= 0; k--) {
    const m = g32(IBN, k);
    if (m > 34) continue;
    if (m < 15) break;
    if (ibanValid(IB, m)) {
      emit(D_IBAN, s, g32(IBE, k));
      return g32(IBE, k);
    }
  }
  return 0;
}

/** Digit (or full-width digit) at q: classify the run it starts; returns where digit triggers resume. */
export function scanNumber(q: i32): i32 {
  if (at(q) == 0xef && fullwidthDigit(q) == 0) return q + 1;
  if (on(D_IBAN) && q >= 2 && (cls(at(q - 1)) & C_UPPER) != 0 && (cls(at(q - 2)) & C_UPPER) != 0 && !isWord(before(q - 2))) {
    const e = scanIban(q - 2);
    if (e > 0) return e;
  }
  const pre = before(q);
  const plus = pre == 43;
  const paren = pre == 40;
  const start = plus || paren ? q - 1 : q;
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
  if (on(D_SSN) && trySSN(plus, paren)) { emit(D_SSN, q, end); return true; }
  if (on(D_IPV4) && !plus && !paren && tryIPv4()) { emit(D_IPV4, q, end); return true; }
  if (on(D_PHONE) && tryPhone(plus, paren)) { emit(D_PHONE, start, end); return true; }
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
      emit(D_CARD, g32(GS, g0), g32(GE, found));
      if (first == ng) first = g0;
      g0 = found + 1;
    } else {
      g0++;
    }
  }
  return first;
}
