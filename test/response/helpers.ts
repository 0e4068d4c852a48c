// Test helpers: build upstream SSE bytes, drive a filter with arbitrary chunking, read the output back.
import type { StreamFilter } from '../../src/response/stream.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function sseText(events: Array<{ event?: string; data: unknown }>, eol = '\n'): string {
  let s = '';
  for (const e of events) {
    if (e.event !== undefined) s += `event: ${e.event}${eol}`;
    s += `data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}${eol}${eol}`;
  }
  return s;
}

/** Splits bytes into chunks of `size` (the last may be shorter). */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** Runs all chunks through the filter and ends it; returns everything sent to the client as text. */
export function run(filter: StreamFilter, input: string | Uint8Array[], chunkSize = 0): string {
  const chunks = typeof input === 'string' ? (chunkSize > 0 ? chunked(enc.encode(input), chunkSize) : [enc.encode(input)]) : input;
  const parts: Uint8Array[] = [];
  for (const c of chunks) parts.push(...filter.push(c));
  parts.push(...filter.end());
  return parts.map((p) => dec.decode(p)).join('');
}

export interface OutEvent {
  event?: string;
  data: string;
}

/** A deliberately naive reader of Sluice's canonical output framing (independent of src/response/sse.ts). */
export function readEvents(text: string): OutEvent[] {
  const out: OutEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '' || block.startsWith(':')) continue;
    const ev: OutEvent = { data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    ev.data = data.join('\n');
    out.push(ev);
  }
  return out;
}

export function json(ev: OutEvent): Record<string, any> {
  return JSON.parse(ev.data) as Record<string, any>;
}

/** Every way to cut `text` into two non-empty parts, plus the whole. */
export function twoWaySplits(text: string): string[][] {
  const out: string[][] = [[text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}
