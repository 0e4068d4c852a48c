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
  /** Replaces the caller's `traceparent` with Sluice's upstream span (tracing on). */
  traceparent?: string;
  /** A shorter wait for the response headers than the connection's (what is left of a request deadline). */
  headersTimeoutMs?: number;
}

/**
 * Starts the upstream exchange; returns a function that aborts it (client went away). Throws SLUICE_UPSTREAM_BUSY
 * when every connection is busy and the queue is full: waiting longer would only hide an overload.
 */
export function forward(req: ForwardRequest, sink: ResponseSink): () => void {
  const { upstream } = req;
  const { conn } = upstream;
  if (upstream.inFlight >= conn.connections + conn.maxQueue) {
    throw new SluiceError('SLUICE_UPSTREAM_BUSY', `Upstream ${conn.name} is busy: all ${conn.connections} connections and the queue are in use`, { headers: { 'retry-after': '1' } });
  }
  const headers = upstreamRequestHeaders(req.headers, conn, req.requestId);
  if (req.body) headers['content-length'] = String(req.body.byteLength);
  if (req.traceparent) headers.traceparent = req.traceparent;
  const exchange = new UpstreamExchange(upstream, sink, req.headersTimeoutMs === undefined ? conn.headersTimeoutMs : Math.min(req.headersTimeoutMs, conn.headersTimeoutMs));
  upstream.pool.dispatch(
    {
      origin: upstream.origin,
      method: req.method as Dispatcher.HttpMethod,
      path: upstream.basePath + req.path + (req.query ? `?${req.query}` : ''),
      headers,
      body: req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength) : null,
    },
    exchange,
  );
  return exchange.abortFn;
}

// undici's headersTimeout starts once the request is on a socket; this one also covers the wait for a connection.
function upstreamHeadersTimeout(x: UpstreamExchange): void {
  x.headersTimedOut();
}

/**
 * One upstream exchange: undici's handler and the sink's flow control in one object with its methods on the
 * prototype, instead of a closure per callback and per request (issue 13 §2).
 */
class UpstreamExchange implements Dispatcher.DispatchHandler, FlowControl {
  private controller: Dispatcher.DispatchController | undefined = undefined;
  private started = false;
  private done = false;
  private counted = true;
  private abortRequested = false;
  private readonly headersTimer: NodeJS.Timeout;
  /** Handed to the caller (the gateway passes it on as an abort callback): the one closure per request. */
  readonly abortFn: () => void;

  constructor(
    private readonly upstream: Upstream,
    private readonly sink: ResponseSink,
    headersTimeoutMs: number,
  ) {
    upstream.inFlight++;
    this.headersTimer = setTimeout(upstreamHeadersTimeout, headersTimeoutMs, this);
    this.abortFn = () => this.abort();
  }

  headersTimedOut(): void {
    if (this.started || this.done) return;
    this.abort();
    this.sink.onError(new SluiceError('SLUICE_UPSTREAM_TIMEOUT', 'Upstream timed out (headers, including the wait for a free connection)'), false);
  }

  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
  }

  abort(): void {
    this.abortRequested = true;
    clearTimeout(this.headersTimer);
    if (this.done) return;
    this.done = true;
    this.controller?.abort(new Error('client aborted'));
  }

  private release(): void {
    if (!this.counted) return;
    this.counted = false;
    this.upstream.inFlight--;
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    if (this.abortRequested) c.abort(new Error('client aborted'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, resHeaders: Record<string, string | string[]>): void {
    clearTimeout(this.headersTimer);
    if (this.done) return;
    this.started = true;
    this.sink.onStart(statusCode, resHeaders as Record<string, string | string[] | undefined>, this);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.done) this.sink.onData(chunk);
  }

  onResponseEnd(): void {
    this.release();
    if (this.done) return;
    this.done = true;
    this.sink.onEnd();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.release();
    clearTimeout(this.headersTimer);
    if (this.done) return;
    this.done = true;
    this.sink.onError(classifyUpstreamError(err), this.started);
  }
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
