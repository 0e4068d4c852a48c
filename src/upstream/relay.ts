// Upstream response → (filter) → client, with backpressure both ways and clean failure mid-stream.
import type { ClientExchange } from '../http/exchange.js';
import type { FlowControl, ResponseSink } from './forward.js';
import { SluiceError } from '../errors.js';
import { clientResponseHeaders } from './headers.js';
import type { BodyFilter } from '../ports.js';

export interface RelayHooks {
  /** Chooses the filter once status and headers are known (null = pass through untouched). */
  filterFor(status: number, headers: Record<string, string | string[] | undefined>): BodyFilter | null;
  /** Extra response headers (request id, Server-Timing). */
  extraHeaders(): Array<[string, string]>;
  onStart?(status: number): void;
  /** The client could not keep up and upstream reading was paused (for metrics). */
  onBackpressure?(): void;
  /** The first response body bytes go to the client (streams: time to first token). */
  onFirstBytes?(): void;
  /**
   * The exchange finished: `err` when upstream failed, `aborted` when the client went away. Runs before the client
   * sees the end of the response; a returned promise delays that end (durable audit).
   */
  onDone(result: { status: number; err?: SluiceError; aborted: boolean; bytes: number }): Promise<void> | undefined;
  /** Upstream failed before any response byte: answer with a provider-shaped error. */
  respondError(err: SluiceError): void;
}

export function createRelaySink(x: ClientExchange, hooks: RelayHooks): ResponseSink {
  let status = 0;
  let filter: BodyFilter | null = null;
  let flow: FlowControl | undefined;
  let bytes = 0;
  let finished = false;
  let headersToSend: Array<[string, string]> = [];

  function finish(r: { err?: SluiceError; aborted: boolean }, then?: () => void): void {
    if (finished) return;
    finished = true;
    const wait = hooks.onDone({ status, bytes, ...r });
    if (!then) return void wait?.catch(() => undefined); // nobody left to tell (client gone, stream already cut)
    if (wait) void wait.then(then, (err: unknown) => notRecorded(err, then));
    else then();
  }

  /**
   * The exchange's record could not be made durable (audit.onFailure: refuse): the client must not get a response
   * that looks complete. A buffered answer becomes the error; a stream ends with an error event or is cut.
   */
  function notRecorded(err: unknown, then: () => void): void {
    if (!(err instanceof SluiceError)) return then();
    if (!x.started) return hooks.respondError(err);
    const tail = filter?.fail ? filter.fail(err) : [];
    for (const c of tail) if (c.byteLength) x.write(c);
    if (tail.length) x.end();
    else x.destroy();
  }

  function send(chunks: Uint8Array[]) {
    for (const c of chunks) {
      if (c.byteLength === 0) continue;
      if (bytes === 0) hooks.onFirstBytes?.();
      bytes += c.byteLength;
      if (!x.write(c)) {
        // The client is slower than upstream: stop reading upstream until uWS drains.
        hooks.onBackpressure?.();
        flow?.pause();
        x.onDrain(() => flow?.resume());
      }
    }
  }

  x.onAbort(() => {
    flow?.abort();
    finish({ aborted: true });
  });

  return {
    onStart(code, headers, f) {
      flow = f;
      status = code;
      if (x.aborted) return f.abort();
      filter = hooks.filterFor(code, headers);
      hooks.onStart?.(code);
      const hs = clientResponseHeaders(headers);
      hs.push(...hooks.extraHeaders());
      if (filter?.mode !== 'buffer') x.start(code, hs);
      headersToSend = hs;
    },
    onData(chunk) {
      if (x.aborted || finished) return;
      if (!filter) return send([chunk]);
      const out = filter.push(chunk);
      if (filter.mode === 'stream') send(out);
    },
    onEnd() {
      if (finished) return;
      if (x.aborted) return finish({ aborted: true });
      try {
        const tail = filter ? filter.end() : [];
        if (filter?.mode === 'buffer') {
          const body = tail.length === 1 ? tail[0] : Buffer.concat(tail);
          bytes = body.byteLength;
          finish({ aborted: false }, () => x.respond(status, headersToSend, body));
        } else {
          send(tail);
          finish({ aborted: false }, () => x.end());
        }
      } catch (thrown) {
        // A filter that cannot finish must not leak unfiltered bytes: answer with an error if nothing was sent
        // yet, otherwise cut the response so the client sees a broken stream.
        const err = thrown instanceof SluiceError ? thrown : new SluiceError('SLUICE_INSPECTION_FAILED', 'Response inspection failed; response not relayed', { cause: thrown });
        if (x.started) {
          x.destroy();
          finish({ err, aborted: false });
        } else finish({ err, aborted: false }, () => hooks.respondError(err));
      }
    },
    onError(err, started) {
      if (x.aborted) return finish({ aborted: true });
      if (!started || filter?.mode === 'buffer') return finish({ err, aborted: false }, () => hooks.respondError(err));
      const tail = filter?.fail ? filter.fail(err) : [];
      send(tail);
      // Without an in-band error event, close so the client sees a broken stream, not a clean end.
      finish({ err, aborted: false }, () => (tail.length ? x.end() : x.destroy()));
    },
  };
}
