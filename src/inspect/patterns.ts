// Builds the binary anchor table the WASM matcher reads (layout: wasm/assembly/patterns.ts):
// Teddy nibble masks over three-byte fingerprints in 8 buckets, plus per-bucket pattern records.
import { AnchorFlag, type AnchorSpec } from './detectors/types.js';

export interface TableAnchor extends AnchorSpec {
  code: number;
}

const OFF_MASKS = 16;
const OFF_SCALAR = 112;
const OFF_BUCKETS = 880;
const HEADER = 944;
const encoder = new TextEncoder();

interface Rec { a: TableAnchor; bytes: Uint8Array; ci: boolean }

/** Byte variants a fingerprint position accepts (both cases for case-insensitive letters). */
function variants(b: number, ci: boolean): number[] {
  if (!ci) return [b];
  const lo = b | 0x20;
  return lo >= 97 && lo <= 122 ? [lo, lo - 32] : [b];
}

/** Patterns sharing a (folded) first byte share a bucket: their masks overlap anyway. */
function assignBuckets(recs: Rec[]): Rec[][] {
  const groups = new Map<number, Rec[]>();
  for (const r of recs) {
    const key = r.bytes.length < 3 ? -1 : r.ci ? r.bytes[0]! | 0x20 : r.bytes[0]!;
    const g = groups.get(key) ?? [];
    g.push(r);
    groups.set(key, g);
  }
  const buckets: Rec[][] = Array.from({ length: 8 }, () => []);
  const short = groups.get(-1);
  groups.delete(-1);
  if (short) buckets[7]!.push(...short);
  const sorted = [...groups.values()].sort((x, y) => y.length - x.length);
  const slots = short ? 7 : 8;
  sorted.forEach((g, i) => buckets[i % slots]!.push(...g));
  return buckets;
}

export function buildTable(anchors: TableAnchor[]): Uint8Array {
  const recs: Rec[] = anchors.map((a) => {
    const ci = ((a.flags ?? 0) & AnchorFlag.caseInsensitive) !== 0;
    const bytes = encoder.encode(ci ? a.text.toLowerCase() : a.text);
    if (bytes.length === 0 || bytes.length > 255) throw new Error(`anchor "${a.text}" must be 1 to 255 bytes`);
    return { a, bytes, ci };
  });
  const buckets = assignBuckets(recs);
  const recSize = (r: Rec): number => 12 + Math.ceil(r.bytes.length / 4) * 4;
  const listsAt = HEADER;
  const recsAt = listsAt + recs.length * 4;
  const size = recsAt + recs.reduce((n, r) => n + recSize(r), 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, recs.length, true);
  dv.setUint32(4, recs.reduce((m, r) => Math.max(m, r.bytes.length), 0), true);
  let listPos = listsAt;
  let recPos = recsAt;
  buckets.forEach((bucket, b) => {
    dv.setUint32(OFF_BUCKETS + b * 8, listPos, true);
    dv.setUint32(OFF_BUCKETS + b * 8 + 4, bucket.length, true);
    for (const r of bucket) {
      fingerprint(out, r, b);
      dv.setUint32(listPos, recPos, true);
      listPos += 4;
      dv.setUint16(recPos, r.a.code, true);
      out[recPos + 2] = r.a.kind;
      out[recPos + 3] = r.a.flags ?? 0;
      out[recPos + 4] = r.bytes.length;
      out[recPos + 5] = r.a.charset ?? 0;
      dv.setUint16(recPos + 6, Math.min(r.a.min ?? 0, 65535), true);
      dv.setUint16(recPos + 8, Math.min(r.a.max ?? 65535, 65535), true);
      out.set(r.bytes, recPos + 12);
      recPos += recSize(r);
    }
  });
  return out;
}

/** Sets bucket bit b in the nibble masks and scalar tables for fingerprint positions 0..2. */
function fingerprint(out: Uint8Array, r: Rec, b: number): void {
  const bit = 1 << b;
  for (let k = 0; k < 3; k++) {
    const lo = OFF_MASKS + k * 32;
    const hi = lo + 16;
    const scalar = OFF_SCALAR + k * 256;
    // Shorter patterns accept any byte at the missing positions.
    const accept = k < r.bytes.length ? variants(r.bytes[k]!, r.ci) : Array.from({ length: 256 }, (_, i) => i);
    for (const v of accept) {
      out[lo + (v & 15)] |= bit;
      out[hi + (v >> 4)] |= bit;
      out[scalar + v] |= bit;
    }
  }
}
