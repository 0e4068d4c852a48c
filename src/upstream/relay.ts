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
  return new RelaySink(x, hooks);
}

/** The sink as a class: methods on the prototype, one object per exchange (issue 13 §2). */
class RelaySink implements ResponseSink {
  private status = 0;
  private filter: BodyFilter | null = null;
  private flow: FlowControl | undefined = undefined;
  private bytes = 0;
  private finished = false;
  private headersToSend: Array<[string, string]> = [];

  constructor(
    private readonly x: ClientExchange,
    private readonly hooks: RelayHooks,
  ) {
    x.onAbort(() => {
      this.flow?.abort();
      this.finish({ aborted: true });
    });
  }

  private finish(r: { err?: SluiceError; aborted: boolean }, then?: () => void): void {
    if (this.finished) return;
    this.finished = true;
    const wait = this.hooks.onDone({ status: this.status, bytes: this.bytes, err: r.err, aborted: r.aborted });
    if (!then) return void wait?.catch(() => undefined); // nobody left to tell (client gone, stream already cut)
    if (wait) void wait.then(then, (err: unknown) => this.notRecorded(err, then));
    else then();
  }

  /**
   * The exchange's record could not be made durable (audit.onFailure: refuse): the client must not get a response
   * that looks complete. A buffered answer becomes the error; a stream ends with an error event or is cut.
   */
  private notRecorded(err: unknown, then: () => void): void {
    const { x } = this;
    if (!(err instanceof SluiceError)) return then();
    if (!x.started) return this.hooks.respondError(err);
    const tail = this.filter?.fail ? this.filter.fail(err) : [];
    for (const c of tail) if (c.byteLength) x.write(c);
    if (tail.length) x.end();
    else x.destroy();
  }

  private send(chunks: Uint8Array[]): void {
    for (const c of chunks) this.sendOne(c);
  }

  private sendOne(c: Uint8Array): void {
    if (c.byteLength === 0) return;
    if (this.bytes === 0) this.hooks.onFirstBytes?.();
    this.bytes += c.byteLength;
    if (!this.x.write(c)) {
      // The client is slower than upstream: stop reading upstream until uWS drains.
      this.hooks.onBackpressure?.();
      this.flow?.pause();
      this.x.onDrain(() => this.flow?.resume());
    }
  }

  onStart(code: number, headers: Record<string, string | string[] | undefined>, f: FlowControl): void {
    this.flow = f;
    this.status = code;
    if (this.x.aborted) return f.abort();
    const filter = (this.filter = this.hooks.filterFor(code, headers));
    this.hooks.onStart?.(code);
    const hs = clientResponseHeaders(headers);
    for (const h of this.hooks.extraHeaders()) hs.push(h);
    if (filter?.mode !== 'buffer') this.x.start(code, hs);
    this.headersToSend = hs;
  }

  onData(chunk: Buffer): void {
    if (this.x.aborted || this.finished) return;
    const filter = this.filter;
    if (!filter) return this.sendOne(chunk);
    const out = filter.push(chunk);
    if (filter.mode === 'stream') this.send(out);
  }

  onEnd(): void {
    if (this.finished) return;
    const { x, filter } = this;
    if (x.aborted) return this.finish({ aborted: true });
    try {
      const tail = filter ? filter.end() : [];
      if (filter?.mode === 'buffer') {
        const body = tail.length === 1 ? tail[0] : Buffer.concat(tail);
        this.bytes = body.byteLength;
        this.finish({ aborted: false }, () => x.respond(this.status, this.headersToSend, body));
      } else {
        this.send(tail);
        this.finish({ aborted: false }, () => x.end());
      }
    } catch (thrown) {
      // A filter that cannot finish must not leak unfiltered bytes: answer with an error if nothing was sent
      // yet, otherwise cut the response so the client sees a broken stream.
      const err = thrown instanceof SluiceError ? thrown : new SluiceError('SLUICE_INSPECTION_FAILED', 'Response inspection failed; response not relayed', { cause: thrown });
      if (x.started) {
        x.destroy();
        this.finish({ err, aborted: false });
      } else this.finish({ err, aborted: false }, () => this.hooks.respondError(err));
    }
  }

  onError(err: SluiceError, started: boolean): void {
    const { x, filter } = this;
    if (x.aborted) return this.finish({ aborted: true });
    if (!started || filter?.mode === 'buffer') return this.finish({ err, aborted: false }, () => this.hooks.respondError(err));
    const tail = filter?.fail ? filter.fail(err) : [];
    this.send(tail);
    // Without an in-band error event, close so the client sees a broken stream, not a clean end.
    this.finish({ err, aborted: false }, () => (tail.length ? x.end() : x.destroy()));
  }
}
