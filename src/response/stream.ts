// The stream filter skeleton shared by both providers: SSE bytes in → events → provider handler →
// SSE bytes out. Any failure ends the stream with one provider-shaped error event and nothing more,
// so a client never receives text that was not scanned.
import { SluiceError } from '../errors.js';
import { createSseParser, serializeComment, type SseEvent, type SseItem } from './sse.js';

export interface StreamFilter {
  /** Bytes to send to the client now (possibly none). */
  push(chunk: Uint8Array): Uint8Array[];
  /** Upstream ended normally: releases everything still held back (masked). */
  end(): Uint8Array[];
  /** Upstream failed mid-stream: held-back text is dropped and a provider-shaped error event is sent. */
  error(err?: unknown): Uint8Array[];
  /** True once the stream has ended or failed; the gateway should then stop reading upstream. */
  readonly closed: boolean;
}

export interface StreamHandler {
  /** Rewrites one upstream event, appending serialized SSE text for the client to `out`. */
  event(ev: SseEvent, out: string[]): void;
  /** Upstream ended: append whatever is still held back. */
  finish(out: string[]): void;
  /** The provider's own error event for `err` (SDKs raise it as an API error). */
  errorEvent(err: SluiceError): string;
}

const encoder = new TextEncoder();

function asSluiceError(err: unknown): SluiceError {
  if (err instanceof SluiceError) return err;
  return new SluiceError('SLUICE_INSPECTION_FAILED', 'Response inspection failed', { cause: err });
}

function bytes(out: string[]): Uint8Array[] {
  if (out.length === 0) return [];
  return [encoder.encode(out.length === 1 ? out[0] : out.join(''))];
}

export function createStreamFilter(handler: StreamHandler, opts: { maxEventChars?: number }): StreamFilter {
  const parser = createSseParser({ maxEventChars: opts.maxEventChars });
  let closed = false;

  function handle(items: SseItem[], out: string[]): void {
    for (const item of items) {
      if (item.type === 'comment') out.push(serializeComment(item.text));
      else handler.event(item, out);
    }
  }

  function fail(err: unknown, out: string[]): Uint8Array[] {
    closed = true;
    out.push(handler.errorEvent(asSluiceError(err)));
    return bytes(out);
  }

  return {
    push: function pushStream(chunk) {
      if (closed) return [];
      const out: string[] = [];
      try {
        handle(parser.push(chunk), out);
      } catch (err) {
        return fail(err, out);
      }
      return bytes(out);
    },
    end: function endStream() {
      if (closed) return [];
      const out: string[] = [];
      try {
        handle(parser.end(), out);
        handler.finish(out);
      } catch (err) {
        return fail(err, out);
      }
      closed = true;
      return bytes(out);
    },
    error: function errorStream(err) {
      if (closed) return [];
      const e =
        err instanceof SluiceError
          ? err
          : new SluiceError('SLUICE_UPSTREAM_RESET', 'Upstream connection was reset mid-stream', { cause: err });
      return fail(e, []);
    },
    get closed() {
      return closed;
    },
  };
}

/**
 * Parses an event's JSON data. Anything that is not a JSON object ends the stream with an error
 * event: masking the raw line as text could still hand the client a line its parser rejects, and a
 * provider that sends broken JSON has broken the stream for the client anyway.
 */
export function parseData(ev: SseEvent): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(ev.data);
  } catch {
    v = undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new SluiceError('SLUICE_INSPECTION_FAILED', 'Upstream sent a malformed stream event; the stream was ended');
  }
  return v as Record<string, unknown>;
}
