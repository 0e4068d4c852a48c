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

  let buf: Uint8Array | undefined;
  let len = 0;
  let complete = false;
  let failure: SluiceError | undefined;
  let keep = true;
  let waiter: { resolve(b: Uint8Array): void; reject(e: Error): void } | undefined;
  let completeCb: (() => void) | undefined;

  const tooLarge = () => new SluiceError('SLUICE_BODY_TOO_LARGE', `Request body exceeds ${max} bytes`);
  if (declared !== undefined && declared > max) {
    failure = tooLarge();
    keep = false;
  }

  function fail(e: SluiceError): void {
    failure ??= e;
    keep = false;
    buf = undefined;
    if (waiter) waiter.reject(failure);
    waiter = undefined;
  }

  res.onData((ab, isLast) => {
    if (keep && ab.byteLength > 0) {
      if (len + ab.byteLength > max) fail(tooLarge());
      else {
        // Preallocate when the length is declared: one copy per chunk, no concat at the end.
        if (!buf) buf = new Uint8Array(declared ?? Math.min(max, Math.max(16 * 1024, ab.byteLength)));
        if (len + ab.byteLength > buf.byteLength) {
          const grown = new Uint8Array(Math.min(max, Math.max(buf.byteLength * 2, len + ab.byteLength)));
          grown.set(buf.subarray(0, len));
          buf = grown;
        }
        buf.set(new Uint8Array(ab), len); // uWS neuters `ab` after this callback: copy now.
        len += ab.byteLength;
      }
    }
    if (!isLast) return;
    complete = true;
    if (waiter && !failure) waiter.resolve(bytes());
    waiter = undefined;
    completeCb?.();
  });

  function bytes(): Uint8Array {
    if (!buf) return EMPTY;
    return len === buf.byteLength ? buf : buf.subarray(0, len);
  }

  return {
    chunked,
    get complete() {
      return complete;
    },
    read() {
      if (failure) return Promise.reject(failure);
      if (complete) return Promise.resolve(bytes());
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    discard() {
      keep = false;
      buf = undefined;
    },
    onComplete(cb) {
      if (complete) cb();
      else completeCb = cb;
    },
    abort() {
      if (!complete) fail(new SluiceError('SLUICE_CLIENT_ABORTED', 'Client closed the connection before the request body arrived'));
    },
  };
}

const noBody: RequestBody = {
  complete: true,
  chunked: false,
  read: () => Promise.resolve(EMPTY),
  discard() {},
  onComplete: (cb) => cb(),
  abort() {},
};
