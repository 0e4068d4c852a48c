#!/usr/bin/env node
// Generates the matcher's Unicode character classes from the Unicode Character Database as compiled into this
// Node (its ICU: `\p{…}` property escapes and String.prototype.normalize), so a new Unicode version is a
// regeneration, not a hunt. Writes
//   wasm/assembly/unicode.ts      two-stage class table (+ digit lead bytes) for the WASM matcher
//   src/inspect/unicode-data.ts   the same classes as ranges, with ASCII stand-ins, for masks and tests
// Usage: node scripts/gen-unicode.mjs [--check]   (--check: exit 1 when the checked-in output differs)
//
// Classes (one byte per code point):
//   0x10+v  digit v: every Nd character (value = position in its run of ten), and every No character whose NFKC
//           form is one ASCII digit (superscript, subscript and circled digits)
//   0x20    skipped inside a candidate: Default_Ignorable_Code_Point, combining marks (M), format characters (Cf),
//           control characters (Cc) other than NUL and the line breaks
//   0x30+k  separator of kind k (see KINDS): Zs, Zl, Zp, Pd, characters whose NFKC form is one of the ASCII
//           separators, and the documented list EXTRA below
//   0x41+l  Latin capital letter l (A-Z and everything whose NFKC form is one, e.g. full-width): IBAN letters
//   0       anything else (NUL included: the JSON walker writes it over array commas so array elements never join)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WASM_OUT = `${ROOT}wasm/assembly/unicode.ts`;
const TS_OUT = `${ROOT}src/inspect/unicode-data.ts`;

export const C_OTHER = 0x00;
export const C_DIGIT = 0x10;
export const C_IGNORE = 0x20;
export const C_SEP = 0x30;
export const C_LETTER = 0x41;

/** Separator kinds (class = C_SEP + index); the ASCII stand-in is what a mask prints for them. */
export const KINDS = [
  { name: 'space', ascii: ' ' },
  { name: 'dash', ascii: '-' },
  { name: 'dot', ascii: '.' },
  { name: 'open', ascii: '(' },
  { name: 'close', ascii: ')' },
  { name: 'slash', ascii: '/' },
  { name: 'underscore', ascii: '_' },
  { name: 'break', ascii: '\n' },
  { name: 'list', ascii: ',' },
  { name: 'plus', ascii: '+' },
];
const KIND = Object.fromEntries(KINDS.map((k, i) => [k.name, i]));

/** ASCII separators, by kind. Every character whose NFKC form is one of these joins the kind too. */
const ASCII_SEPARATORS = {
  ' ': 'space', '-': 'dash', '.': 'dot', '(': 'open', ')': 'close', '/': 'slash', '_': 'underscore',
  '\t': 'break', '\n': 'break', '\v': 'break', '\f': 'break', '\r': 'break',
  ',': 'list', ':': 'list', ';': 'list', '|': 'list', "'": 'list', '+': 'plus',
};

/**
 * The documented punctuation list: look-alikes of the separators above that Unicode does not fold to them (no NFKC
 * mapping, not Zs/Pd), each with the ASCII character a mask prints for it.
 */
const EXTRA = [
  [0x2212, 'dash', '-'], // MINUS SIGN
  [0x2043, 'dash', '-'], // HYPHEN BULLET
  [0x02d7, 'dash', '-'], // MODIFIER LETTER MINUS SIGN
  [0x2796, 'dash', '-'], // HEAVY MINUS SIGN
  [0x2500, 'dash', '-'], // BOX DRAWINGS LIGHT HORIZONTAL
  [0x2501, 'dash', '-'], // BOX DRAWINGS HEAVY HORIZONTAL
  [0x23af, 'dash', '-'], // HORIZONTAL LINE EXTENSION
  [0x30fc, 'dash', '-'], // KATAKANA-HIRAGANA PROLONGED SOUND MARK
  [0xff70, 'dash', '-'], // HALFWIDTH KATAKANA-HIRAGANA PROLONGED SOUND MARK
  [0x066b, 'dot', '.'], // ARABIC DECIMAL SEPARATOR
  [0x3002, 'dot', '.'], // IDEOGRAPHIC FULL STOP
  [0xff61, 'dot', '.'], // HALFWIDTH IDEOGRAPHIC FULL STOP
  [0x2215, 'slash', '/'], // DIVISION SLASH
  [0x29f8, 'slash', '/'], // BIG SOLIDUS
  [0x00b7, 'list', '.'], // MIDDLE DOT
  [0x2027, 'list', '.'], // HYPHENATION POINT
  [0x2219, 'list', '.'], // BULLET OPERATOR
  [0x22c5, 'list', '.'], // DOT OPERATOR
  [0x30fb, 'list', '.'], // KATAKANA MIDDLE DOT
  [0xff65, 'list', '.'], // HALFWIDTH KATAKANA MIDDLE DOT
  [0x060c, 'list', ','], // ARABIC COMMA
  [0x066c, 'list', ','], // ARABIC THOUSANDS SEPARATOR
  [0x3001, 'list', ','], // IDEOGRAPHIC COMMA
  [0xff64, 'list', ','], // HALFWIDTH IDEOGRAPHIC COMMA
  [0x2019, 'list', "'"], // RIGHT SINGLE QUOTATION MARK (thousands separator)
  [0x02bc, 'list', "'"], // MODIFIER LETTER APOSTROPHE
  [0x2223, 'list', '|'], // DIVIDES
  [0x23d0, 'list', '|'], // VERTICAL LINE EXTENSION
  [0x2502, 'list', '|'], // BOX DRAWINGS LIGHT VERTICAL
  [0xffe8, 'list', '|'], // HALFWIDTH FORMS LIGHT VERTICAL
  [0x01c0, 'list', '|'], // LATIN LETTER DENTAL CLICK
  [0x2795, 'plus', '+'], // HEAVY PLUS SIGN
  [0x2800, 'space', ' '], // BRAILLE PATTERN BLANK
  [0x3164, 'space', ' '], // HANGUL FILLER (Default_Ignorable, but renders as a wide blank)
  [0x115f, 'space', ' '], // HANGUL CHOSEONG FILLER
  [0x1160, 'space', ' '], // HANGUL JUNGSEONG FILLER
  [0xffa0, 'space', ' '], // HALFWIDTH HANGUL FILLER
  [0x0085, 'break', '\n'], // NEXT LINE
];

const prop = (p) => new RegExp(`^\\p{${p}}$`, 'u');
const P = {
  Nd: prop('Nd'), No: prop('No'), M: prop('M'), Cf: prop('Cf'), Cc: prop('Cc'), DI: prop('Default_Ignorable_Code_Point'),
  Zs: prop('Zs'), Zl: prop('Zl'), Zp: prop('Zp'), Pd: prop('Pd'),
};

export function buildClasses() {
  const cls = new Uint8Array(0x110000);
  const ascii = new Uint8Array(0x110000); // ASCII stand-in per separator / digit / letter (masks)
  const extra = new Map(EXTRA.map(([cp, kind, a]) => [cp, { kind, a }]));
  // Nd comes in runs of ten ascending from zero (a Unicode stability guarantee); the value is the position.
  let runStart = -1;
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) { runStart = -1; continue; }
    const ch = String.fromCodePoint(cp);
    const nfkc = ch.normalize('NFKC');
    if (P.Nd.test(ch)) {
      if (runStart < 0) runStart = cp;
      const v = (cp - runStart) % 10;
      if (/^[0-9]$/.test(nfkc) && Number(nfkc) !== v) throw new Error(`U+${hex(cp)}: NFKC ${nfkc} but position ${v}`);
      cls[cp] = C_DIGIT + v;
      ascii[cp] = 48 + v;
      continue;
    }
    if (runStart >= 0 && (cp - runStart) % 10 !== 0) throw new Error(`Nd run at U+${hex(runStart)} is not a multiple of ten`);
    runStart = -1;
    if (P.No.test(ch) && /^[0-9]$/.test(nfkc)) {
      cls[cp] = C_DIGIT + Number(nfkc);
      ascii[cp] = nfkc.charCodeAt(0);
      continue;
    }
    const x = extra.get(cp);
    const kind = x ? x.kind : ASCII_SEPARATORS[ch] ?? ASCII_SEPARATORS[nfkc] ?? (P.Zs.test(ch) ? 'space' : P.Zl.test(ch) || P.Zp.test(ch) ? 'break' : P.Pd.test(ch) ? 'dash' : undefined);
    if (kind !== undefined) {
      cls[cp] = C_SEP + KIND[kind];
      ascii[cp] = (x?.a ?? (nfkc.length === 1 && nfkc < '\x80' ? nfkc : KINDS[KIND[kind]].ascii)).charCodeAt(0);
      continue;
    }
    if (/^[A-Z]$/.test(nfkc)) {
      cls[cp] = C_LETTER + (nfkc.charCodeAt(0) - 65);
      ascii[cp] = nfkc.charCodeAt(0);
      continue;
    }
    if (cp !== 0 && (P.DI.test(ch) || P.M.test(ch) || P.Cf.test(ch) || P.Cc.test(ch))) cls[cp] = C_IGNORE;
  }
  return { cls, ascii };
}

const hex = (n) => n.toString(16).toUpperCase().padStart(4, '0');

/** Two stages: 256-code-point blocks, deduplicated (the block of U+0000..U+00FF first: ASCII reads it directly). */
function stages(cls) {
  const blocks = [];
  const index = new Map();
  const stage1 = new Uint8Array(0x110000 >> 8);
  for (let b = 0; b < stage1.length; b++) {
    const key = Buffer.from(cls.subarray(b << 8, (b + 1) << 8)).toString('latin1');
    let k = index.get(key);
    if (k === undefined) {
      k = blocks.length;
      if (k > 255) throw new Error('more than 256 distinct blocks: widen stage 1');
      index.set(key, k);
      blocks.push(cls.subarray(b << 8, (b + 1) << 8));
    }
    stage1[b] = k;
  }
  const stage2 = new Uint8Array(blocks.length * 256);
  blocks.forEach((bl, k) => stage2.set(bl, k * 256));
  return { stage1, stage2 };
}

/** UTF-8 lead bytes that can start a non-ASCII digit: the prefilter's second look at a non-ASCII byte. */
function digitLeads(cls) {
  const lead = new Uint8Array(256);
  for (let cp = 0x80; cp < 0x110000; cp++) {
    if (cls[cp] >= C_DIGIT && cls[cp] < C_DIGIT + 10) lead[Buffer.from(String.fromCodePoint(cp))[0]] = 1;
  }
  return lead;
}

/** Maximal runs of equal (class, stand-in); digit runs keep their first value (values then count up mod 10). */
function ranges(cls, ascii) {
  const out = [];
  let s = -1;
  const same = (a, b) => {
    if (cls[a] >= C_DIGIT && cls[a] < C_DIGIT + 10) return cls[b] >= C_DIGIT && cls[b] < C_DIGIT + 10 && cls[b] - C_DIGIT === (cls[a] - C_DIGIT + (b - a)) % 10;
    return cls[a] === cls[b] && ascii[a] === ascii[b];
  };
  for (let cp = 0; cp <= 0x110000; cp++) {
    if (s >= 0 && (cp === 0x110000 || !same(s, cp))) {
      if (cls[s] !== C_OTHER) out.push([s, cp - 1, cls[s], ascii[s]]);
      s = -1;
    }
    if (cp < 0x110000 && s < 0) s = cp;
  }
  return out;
}

function bytesLiteral(a, indent = '  ') {
  const lines = [];
  for (let i = 0; i < a.length; i += 48) lines.push(indent + Array.from(a.subarray(i, i + 48)).join(','));
  return lines.join(',\n');
}

export function generate() {
  const version = process.versions.unicode;
  const { cls, ascii } = buildClasses();
  const { stage1, stage2 } = stages(cls);
  const lead = digitLeads(cls);
  const r = ranges(cls, ascii);
  const header = (what) =>
    `// GENERATED by scripts/gen-unicode.mjs from Unicode ${version}.\n` +
    `// Do not edit: change the generator and run \`npm run gen:unicode\`. ${what}\n`;
  const consts =
    `export const UNICODE_VERSION = '${version}';\n` +
    `export const C_DIGIT = ${C_DIGIT};\nexport const C_IGNORE = ${C_IGNORE};\nexport const C_SEP = ${C_SEP};\nexport const C_LETTER = ${C_LETTER};\n` +
    KINDS.map((k, i) => `export const K_${k.name.toUpperCase()} = ${i};`).join('\n') + '\n';
  const wasm =
    header('Character classes for the matcher (see chars.ts).') +
    `\n` +
    consts.replace("export const UNICODE_VERSION = '" + version + "';\n", '').replace(/export const (\w+) = (\d+);/g, 'export const $1: u32 = $2;') +
    `\n/** Block index per 256 code points (${stage1.length} bytes). */\nexport const U_STAGE1: usize = memory.data<u8>([\n${bytesLiteral(stage1)}\n]);\n` +
    `\n/** ${stage2.length / 256} distinct blocks of 256 classes; block 0 is U+0000..U+00FF. */\nexport const U_STAGE2: usize = memory.data<u8>([\n${bytesLiteral(stage2)}\n]);\n` +
    `\n/** 1 for UTF-8 lead bytes that can start a non-ASCII digit. */\nexport const U_DIGIT_LEAD: usize = memory.data<u8>([\n${bytesLiteral(lead)}\n]);\n`;
  const flat = r.flat();
  const ts =
    header('Character classes as ranges (start, end, class, ASCII stand-in).') +
    `/* eslint-disable */\n\n` +
    consts +
    `export const SEPARATOR_KINDS = ${JSON.stringify(KINDS.map((k) => k.name))} as const;\n\n` +
    `/** ${r.length} ranges: start, end (inclusive), class, ASCII stand-in (0 for skipped characters). */\n` +
    `export const RANGES = new Uint32Array([\n${bytesLiteral(Uint32Array.from(flat))}\n]);\n`;
  return { wasm, ts, stats: { version, blocks: stage2.length / 256, ranges: r.length } };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { wasm, ts, stats } = generate();
  if (process.argv.includes('--check')) {
    const stale = [[WASM_OUT, wasm], [TS_OUT, ts]].filter(([f, text]) => readFileSync(f, 'utf8') !== text).map(([f]) => f);
    if (stale.length > 0) {
      console.error(`out of date (run npm run gen:unicode): ${stale.join(', ')}`);
      process.exit(1);
    }
  } else {
    writeFileSync(WASM_OUT, wasm);
    writeFileSync(TS_OUT, ts);
  }
  console.log(`Unicode ${stats.version}: ${stats.blocks} blocks, ${stats.ranges} ranges`);
}
