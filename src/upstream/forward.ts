// Send the (masked) request upstream with undici's handler shape; stream the response into a sink.
import type { Dispatcher } from 'undici';
import type { Upstream } from './pools.js';
import { upstreamRequestHeaders } from './headers.js';
import { SluiceError } from '../errors.js';

export interface FlowControl {
  pause(): void;
  resume(): void;
  abort(): void;
}

/** Where the upstream response goes (the gateway's response filter + client writer). */
export interface ResponseSink {
  onStart(status: number, headers: Record<string, string | string[] | undefined>, flow: FlowControl): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: SluiceError, started: boolean): void;
}

export interface ForwardRequest {
  upstream: Upstream;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  requestId: string;
  body: Uint8Array | null;
}

/** Starts the upstream exchange; returns a function that aborts it (client went away). */
export function forward(req: ForwardRequest, sink: ResponseSink): () => void {
  const { upstream } = req;
  const headers = upstreamRequestHeaders(req.headers, upstream.conn, req.requestId);
  if (req.body) headers['content-length'] = String(req.body.byteLength);
  let controller: Dispatcher.DispatchController | undefined;
  let started = false;
  let done = false;
  let abortRequested = false;

  const flow: FlowControl = {
    pause: () => controller?.pause(),
    resume: () => controller?.resume(),
    abort: () => abort(),
  };

  function abort(): void {
    abortRequested = true;
    if (done) return;
    done = true;
    controller?.abort(new Error('client aborted'));
  }

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (abortRequested) c.abort(new Error('client aborted'));
    },
    onResponseStart(_c, statusCode, resHeaders) {
      started = true;
      sink.onStart(statusCode, resHeaders as Record<string, string | string[] | undefined>, flow);
    },
    onResponseData(_c, chunk) {
      if (!done) sink.onData(chunk);
    },
    onResponseEnd() {
      if (done) return;
      done = true;
      sink.onEnd();
    },
    onResponseError(_c, err) {
      if (done) return;
      done = true;
      sink.onError(classifyUpstreamError(err), started);
    },
  };

  upstream.pool.dispatch(
    {
      origin: upstream.origin,
      method: req.method as Dispatcher.HttpMethod,
      path: upstream.basePath + req.path + (req.query ? `?${req.query}` : ''),
      headers,
      body: req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength) : null,
    },
    handler,
  );
  return abort;
}

/** undici error → coded Sluice error. Messages name the failure kind, never hosts' secrets. */
export function classifyUpstreamError(err: Error & { code?: string }): SluiceError {
  const code = err.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new SluiceError('SLUICE_UPSTREAM_TIMEOUT', `Upstream timed out (${code.replace('UND_ERR_', '').toLowerCase()})`, { cause: err });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new SluiceError('SLUICE_UPSTREAM_UNREACHABLE', `Upstream unreachable (${code})`, { cause: err });
  }
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
    return new SluiceError('SLUICE_UPSTREAM_UNREACHABLE', `Upstream TLS verification failed (${code})`, { cause: err });
  }
  return new SluiceError('SLUICE_UPSTREAM_RESET', `Upstream connection failed (${code || 'reset'})`, { cause: err });
}
