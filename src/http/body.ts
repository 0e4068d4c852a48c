// The request body, owned by the exchange from the first tick: uWS only delivers chunks to an `onData` registered
// before the handler returns, and a body nobody reads must still be consumed (or the connection closed).
import type { HttpResponse } from 'uWebSockets.js';
import { SluiceError } from '../errors.js';
import { declaredLength } from './framing.js';

export interface RequestBody {
  /** True once the last byte arrived (or there is no body). */
  readonly complete: boolean;
  /** Declared with `Transfer-Encoding: chunked` (unknown length). */
  readonly chunked: boolean;
  /** The whole body, bounded by `max`; rejects with SLUICE_BODY_TOO_LARGE or SLUICE_CLIENT_ABORTED. */
  read(): Promise<Uint8Array>;
  /** Stop keeping bytes (the answer is already decided); `onComplete` still fires at the end. */
  discard(): void;
  onComplete(cb: () => void): void;
  /** The client went away: settle any reader. */
  abort(): void;
}

const EMPTY = new Uint8Array(0);

export function createRequestBody(res: HttpResponse, headers: Record<string, string>, max: number): RequestBody {
  const chunked = headers['transfer-encoding'] !== undefined;
  const declared = headers['content-length'] === undefined ? undefined : declaredLength(headers['content-length']);
  if (!chunked && !declared) return noBody;
  const body = new BufferedBody(chunked, declared, max);
  res.onData((ab, isLast) => body.chunk(ab, isLast));
  return body;
}

/** A class, not a closure per method: one object per request body (issue 13 §2). */
class BufferedBody implements RequestBody {
  complete = false;
  private buf: Uint8Array | undefined = undefined;
  private len = 0;
  private failure: SluiceError | undefined = undefined;
  private keep = true;
  private waiter: { resolve(b: Uint8Array): void; reject(e: Error): void } | undefined = undefined;
  private completeCb: (() => void) | undefined = undefined;

  constructor(
    readonly chunked: boolean,
    private readonly declared: number | undefined,
    private readonly max: number,
  ) {
    if (declared !== undefined && declared > max) {
      this.failure = this.tooLarge();
      this.keep = false;
    }
  }

  private tooLarge(): SluiceError {
    return new SluiceError('SLUICE_BODY_TOO_LARGE', `Request body exceeds ${this.max} bytes`);
  }

  private fail(e: SluiceError): void {
    this.failure ??= e;
    this.keep = false;
    this.buf = undefined;
    if (this.waiter) this.waiter.reject(this.failure);
    this.waiter = undefined;
  }

  chunk(ab: ArrayBuffer, isLast: boolean): void {
    if (this.keep && ab.byteLength > 0) {
      const { len, max } = this;
      if (len + ab.byteLength > max) this.fail(this.tooLarge());
      else {
        // Preallocate when the length is declared: one copy per chunk, no concat at the end.
        let buf = this.buf;
        if (!buf) buf = this.buf = new Uint8Array(this.declared ?? Math.min(max, Math.max(16 * 1024, ab.byteLength)));
        if (len + ab.byteLength > buf.byteLength) {
          const grown = new Uint8Array(Math.min(max, Math.max(buf.byteLength * 2, len + ab.byteLength)));
          grown.set(buf.subarray(0, len));
          buf = this.buf = grown;
        }
        buf.set(new Uint8Array(ab), len); // uWS neuters `ab` after this callback: copy now.
        this.len = len + ab.byteLength;
      }
    }
    if (!isLast) return;
    this.complete = true;
    if (this.waiter && !this.failure) this.waiter.resolve(this.bytes());
    this.waiter = undefined;
    this.completeCb?.();
  }

  private bytes(): Uint8Array {
    const { buf, len } = this;
    if (!buf) return EMPTY;
    return len === buf.byteLength ? buf : buf.subarray(0, len);
  }

  read(): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.complete) return Promise.resolve(this.bytes());
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  discard(): void {
    this.keep = false;
    this.buf = undefined;
  }

  onComplete(cb: () => void): void {
    if (this.complete) cb();
    else this.completeCb = cb;
  }

  abort(): void {
    if (!this.complete) this.fail(new SluiceError('SLUICE_CLIENT_ABORTED', 'Client closed the connection before the request body arrived'));
  }
}

const noBody: RequestBody = {
  complete: true,
  chunked: false,
  read: () => Promise.resolve(EMPTY),
  discard() {},
  onComplete: (cb) => cb(),
  abort() {},
};
