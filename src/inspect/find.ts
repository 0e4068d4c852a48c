// One scan: WASM candidates + RE2 windows, then match selection.
//
// Match semantics (written down, as aho-corasick does): detectors report every confirmed candidate,
// overlaps included; we keep leftmost-longest non-overlapping matches — earliest start first, then
// the longest, then the detector with the lower priority number.
import type { Matcher } from './matcher.js';
import { CUSTOM_BASE, type CompiledProfile } from './compile.js';
import { execWindow, type CompiledCustom } from './detectors/custom.js';

export interface Match {
  code: number;
  start: number;
  end: number;
}

export interface Found {
  matches: Match[];
  /** Streaming: bytes from here on may still change (len when not streaming or nothing pending). */
  pending: number;
}

const WINDOW = 16 * 1024;

export function findMatches(c: CompiledProfile, m: Matcher, ptr: number, len: number, streaming: boolean): Found {
  const raw = m.scan(ptr, len, c.table, c.enabled, streaming);
  let pending = streaming ? Math.min(m.pending(), len) : len;
  const all: Match[] = [];
  const hits = new Map<number, number[]>();
  for (let i = 0; i < raw.length; i += 3) {
    const code = raw[i]!;
    if (code >= CUSTOM_BASE) {
      const list = hits.get(code) ?? [];
      list.push(raw[i + 1]!);
      hits.set(code, list);
    } else all.push({ code, start: raw[i + 1]!, end: raw[i + 2]! });
  }
  if (c.custom.length > 0) {
    const text = m.bytes().subarray(ptr, ptr + len);
    for (const cc of c.custom) pending = Math.min(pending, runCustom(cc, text, hits.get(cc.code) ?? [], all, streaming));
  }
  return { matches: select(all, c), pending };
}

function charStart(text: Uint8Array, i: number): number {
  while (i > 0 && i < text.length && (text[i]! & 0xc0) === 0x80) i--;
  return Math.max(0, i);
}

function fixedWindows(from: number, to: number, overlap: number, out: Array<[number, number]>): void {
  const size = Math.max(WINDOW, overlap * 4);
  for (let s = from; s < to; s += size - overlap) {
    out.push([s, Math.min(to, s + size)]);
    if (s + size >= to) break;
  }
}

/** Bounded windows for one custom detector: around its anchor hits, or fixed and overlapping. */
function windows(cc: CompiledCustom, hits: number[], len: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (!cc.anchored) {
    fixedWindows(0, len, cc.maxBytes, out);
    return out;
  }
  hits.sort((a, b) => a - b);
  let ws = -1;
  let we = -1;
  for (const h of hits) {
    const s = Math.max(0, h - cc.maxBytes);
    const e = Math.min(len, h + 255 + cc.maxBytes);
    if (ws >= 0 && s <= we) we = Math.max(we, e);
    else {
      if (ws >= 0) fixedWindows(ws, we, cc.maxBytes, out);
      ws = s;
      we = e;
    }
  }
  if (ws >= 0) fixedWindows(ws, we, cc.maxBytes, out);
  return out;
}

/** Runs RE2 over the windows; returns this detector's streaming watermark. */
function runCustom(cc: CompiledCustom, text: Uint8Array, hits: number[], all: Match[], streaming: boolean): number {
  const len = text.length;
  let pending = len;
  for (const [s, e] of windows(cc, hits, len)) {
    const ws = charStart(text, s);
    const we = e >= len ? len : charStart(text, e);
    execWindow(cc, text, ws, we, (ms, me) => {
      all.push({ code: cc.code, start: ms, end: me });
      if (me >= len) pending = Math.min(pending, ms);
    });
  }
  if (streaming) {
    // Without anchors anything in the last maxLength bytes may still grow into a match.
    if (!cc.anchored) pending = Math.min(pending, len - cc.maxBytes);
    else for (const h of hits) if (h + 255 + cc.maxBytes > len) pending = Math.min(pending, h - cc.maxBytes);
  }
  return Math.max(0, pending);
}

export function select(all: Match[], c: CompiledProfile): Match[] {
  const prio = (m: Match): number => c.slots.get(m.code)?.priority ?? 1e9;
  all.sort((a, b) => a.start - b.start || b.end - a.end || prio(a) - prio(b));
  const kept: Match[] = [];
  let end = -1;
  for (const m of all) {
    if (m.start < end || m.end <= m.start) continue;
    kept.push(m);
    end = m.end;
  }
  return kept;
}
