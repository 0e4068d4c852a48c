// Incremental Server-Sent Events parser and serializer
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
// Bytes in (split anywhere, even inside a UTF-8 character), whole events out; memory per stream is
// bounded by `maxEventChars` so a hostile or broken upstream cannot make Sluice buffer without limit.
import { SluiceError } from '../errors.js';

export interface SseEvent {
  type: 'event';
  /** The `event:` field, when the upstream sent one. */
  event?: string;
  /** `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field of this event (not the inherited last-event-id). */
  id?: string;
  retry?: number;
}

export interface SseComment {
  type: 'comment';
  text: string;
}

export type SseItem = SseEvent | SseComment;

export interface SseParserOptions {
  /** Largest event (pending line + data, in UTF-16 units) held before giving up. */
  maxEventChars: number;
}

export const SSE_DEFAULTS: Readonly<SseParserOptions> = Object.freeze({ maxEventChars: 4 * 1024 * 1024 });

export interface SseParser {
  push(chunk: Uint8Array): SseItem[];
  /** End of input: an unterminated event is discarded, as the spec requires. */
  end(): SseItem[];
}

export function createSseParser(opts: Partial<SseParserOptions> = {}): SseParser {
  const maxEventChars = opts.maxEventChars ?? SSE_DEFAULTS.maxEventChars;
  if (!Number.isInteger(maxEventChars) || maxEventChars < 1) {
    throw new TypeError('maxEventChars must be a positive integer');
  }
  const decoder = new TextDecoder('utf-8');
  let line = '';
  let skipLF = false;
  let data: string[] = [];
  let dataChars = 0;
  let event: string | undefined;
  let id: string | undefined;
  let retry: number | undefined;

  function tooLong(): never {
    throw new SluiceError('SLUICE_INSPECTION_FAILED', `Upstream stream event exceeds ${maxEventChars} characters`);
  }

  function dispatch(out: SseItem[]): void {
    if (data.length > 0) {
      const ev: SseEvent = { type: 'event', data: data.join('\n') };
      if (event !== undefined) ev.event = event;
      if (id !== undefined) ev.id = id;
      if (retry !== undefined) ev.retry = retry;
      out.push(ev);
    }
    data = [];
    dataChars = 0;
    event = id = retry = undefined;
  }

  function field(l: string, out: SseItem[]): void {
    if (l === '') return dispatch(out);
    const colon = l.indexOf(':');
    if (colon === 0) {
      out.push({ type: 'comment', text: l.slice(1) });
      return;
    }
    const name = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (name === 'data') {
      dataChars += value.length + 1;
      if (dataChars > maxEventChars) tooLong();
      data.push(value);
    } else if (name === 'event') event = value;
    else if (name === 'id') {
      if (!value.includes('\0')) id = value;
    } else if (name === 'retry') {
      if (/^\d+$/.test(value)) retry = Number(value);
    }
  }

  function feed(text: string, out: SseItem[]): void {
    let i = 0;
    if (skipLF && text.length > 0) {
      if (text.charCodeAt(0) === 10) i = 1;
      skipLF = false;
    }
    const n = text.length;
    while (i < n) {
      let j = i;
      let c = 0;
      // Scanning by char code beats a regex here: this loop runs over every byte the upstream sends.
      for (; j < n; j++) {
        c = text.charCodeAt(j);
        if (c === 10 || c === 13) break;
      }
      if (j === n) {
        line += text.slice(i);
        if (line.length + dataChars > maxEventChars) tooLong();
        return;
      }
      const l = line === '' ? text.slice(i, j) : line + text.slice(i, j);
      line = '';
      if (l.length + dataChars > maxEventChars) tooLong();
      field(l, out);
      i = j + 1;
      if (c === 13) {
        if (i < n) {
          if (text.charCodeAt(i) === 10) i++;
        } else skipLF = true;
      }
    }
  }

  return {
    push: function pushSse(chunk) {
      const out: SseItem[] = [];
      feed(decoder.decode(chunk, { stream: true }), out);
      return out;
    },
    end: function endSse() {
      const out: SseItem[] = [];
      feed(decoder.decode(), out);
      line = '';
      data = [];
      return out;
    },
  };
}

/** One event in canonical framing: `event:`, `id:`, `retry:`, then one `data:` line per line of data. */
export function serializeEvent(ev: Omit<SseEvent, 'type'>): string {
  let s = '';
  if (ev.event !== undefined) s += `event: ${ev.event}\n`;
  if (ev.id !== undefined) s += `id: ${ev.id}\n`;
  if (ev.retry !== undefined) s += `retry: ${ev.retry}\n`;
  const d = ev.data;
  if (d.indexOf('\n') < 0 && d.indexOf('\r') < 0) return `${s}data: ${d}\n\n`;
  for (const part of d.split(/\r\n|\r|\n/)) s += `data: ${part}\n`;
  return `${s}\n`;
}

export function serializeComment(text: string): string {
  return `:${text.replace(/[\r\n]/g, ' ')}\n\n`;
}
