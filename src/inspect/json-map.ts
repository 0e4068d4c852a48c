// Maps spans of the decoded scan buffer back to the JSON body and turns a replacement into body
// edits that keep the JSON valid (numbers become strings; a span never rewrites structure).
export interface Edit {
  start: number;
  end: number;
  text: string;
}

const KIND_NUMBER = 3;

export class JsonMap {
  constructor(
    /** (tPos, origPos, tLen, origLen) per escape, sorted by tPos. */
    private readonly atoms: Uint32Array,
    /** (tStart, tEnd, kind) per string/key/number, sorted by tStart. */
    private readonly tokens: Uint32Array,
  ) {}

  /** Index of the last atom with tPos ≤ d, or -1. */
  private atomBefore(d: number): number {
    let lo = 0;
    let hi = this.atoms.length / 4 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.atoms[mid * 4]! <= d) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  origStart(d: number): number {
    const k = this.atomBefore(d);
    if (k < 0) return d;
    const a = this.atoms.subarray(k * 4, k * 4 + 4);
    if (d < a[0]! + a[2]!) return a[1]!;
    return d - (a[0]! + a[2]!) + a[1]! + a[3]!;
  }

  origEnd(e: number): number {
    if (e === 0) return 0;
    const k = this.atomBefore(e - 1);
    if (k < 0) return e;
    const a = this.atoms.subarray(k * 4, k * 4 + 4);
    if (e - 1 < a[0]! + a[2]!) return a[1]! + a[3]!;
    return e - (a[0]! + a[2]!) + a[1]! + a[3]!;
  }

  /** Index of the token containing scan offset d, or -1. */
  tokenAt(d: number): number {
    let lo = 0;
    let hi = this.tokens.length / 3 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid * 3]! <= d) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && d < this.tokens[found * 3 + 1]! ? found : -1;
  }

  /** Body edits replacing scan span [s, e) with `text` (ASCII, JSON-string safe). */
  edits(s: number, e: number, text: string): Edit[] {
    const t = this.tokenAt(s);
    if (t >= 0) {
      const ts = this.tokens[t * 3]!;
      const te = this.tokens[t * 3 + 1]!;
      if (this.tokens[t * 3 + 2] === KIND_NUMBER) return [{ start: this.origStart(ts), end: this.origEnd(te), text: `"${text}"` }];
      if (e <= te) return [{ start: this.origStart(s), end: this.origEnd(e), text }];
    }
    // The span crosses JSON structure (only custom patterns can): rewrite the string parts only.
    const out: Edit[] = [];
    const count = this.tokens.length / 3;
    for (let k = Math.max(0, t); k < count; k++) {
      const ts = this.tokens[k * 3]!;
      const te = this.tokens[k * 3 + 1]!;
      if (ts >= e) break;
      if (te <= s) continue;
      const piece = out.length === 0 ? text : '';
      if (this.tokens[k * 3 + 2] === KIND_NUMBER) out.push({ start: this.origStart(ts), end: this.origEnd(te), text: `"${piece}"` });
      else out.push({ start: this.origStart(Math.max(s, ts)), end: this.origEnd(Math.min(e, te)), text: piece });
    }
    return out;
  }
}

/** Applies sorted, non-overlapping edits to `body` with one allocation. Replacement texts are ASCII. */
export function applyEdits(body: Uint8Array, edits: Edit[]): Uint8Array {
  let size = body.length;
  for (const e of edits) size += e.text.length - (e.end - e.start);
  // Never a slice of Node's shared pool: the pool's worker transfers this buffer to the main thread whole.
  const out = Buffer.allocUnsafeSlow(size);
  let from = 0;
  let at = 0;
  for (const e of edits) {
    out.set(body.subarray(from, e.start), at);
    at += e.start - from;
    at += out.write(e.text, at, 'latin1');
    from = e.end;
  }
  out.set(body.subarray(from), at);
  return out;
}
