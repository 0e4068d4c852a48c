// The portable front end on node:http: the same ClientExchange as the uWS one, for hosts where no native uWS loads.
// Node's own parser does the HTTP framing; this file only maps its request/response onto the exchange seam with the
// same semantics (one-shot respond, streamed start/write/end, backpressure via 'drain', abort on client close).
import { readFileSync } from 'node:fs';
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ServerConfig } from '../config/schema.js';
import { SluiceError, errorBody } from '../errors.js';
import { framingProblem } from './framing.js';
import type { ClientExchange } from './exchange.js';
import type { HttpServer } from './server.js';

export interface NodeServerOptions {
  /** Bind with SO_REUSEPORT so several threads can listen on one port (Node ≥ 22.12 / 23.1, Linux). */
  reusePort?: boolean;
}

/** Head size a front end accepts before its own parser refuses: room for the request line and framing above the limit. */
export function parserHeaderLimit(maxHeaderBytes: number): number {
  return maxHeaderBytes * 2 + 1024;
}

/** How long a refused chunked upload may keep sending before the connection is closed (as the uWS engine). */
const LINGER_MS = 30_000;

// Idle keep-alive connections and slow request heads are closed as uWS does (its HTTP idle timeout is 10 s).
const IDLE_MS = 10_000;

export async function startNodeServer(cfg: ServerConfig, handle: (x: ClientExchange) => void, opts: NodeServerOptions = {}): Promise<HttpServer> {
  const options = {
    // Room above maxHeaderBytes, so the gateway's own provider-shaped 431 answers first; Node's parser still bounds
    // what one connection can make it buffer.
    maxHeaderSize: parserHeaderLimit(cfg.maxHeaderBytes),
    keepAliveTimeout: IDLE_MS,
    headersTimeout: IDLE_MS,
    // Bounds the time to receive a whole request (a trickled body); responses may stream for as long as they need.
    requestTimeout: 300_000,
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => handle(createExchange(req, res, cfg.maxBodyBytes));
  const server: Server = cfg.tls
    ? createHttpsServer({ ...options, cert: readFileSync(cfg.tls.certFile), key: readFileSync(cfg.tls.keyFile), passphrase: cfg.tls.passphrase }, onRequest)
    : createHttpServer(options, onRequest);
  // Node's parser refuses what it cannot frame (two Content-Lengths, a bad Transfer-Encoding, an oversized head)
  // before any handler runs: answer in the provider's error shape, as the gateway would, and close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    socket.end(parserRefusal(err.code));
    socket.destroySoon();
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: cfg.host, port: cfg.port, ...(opts.reusePort ? { reusePort: true } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let listening = true;
  const stopListening = () => {
    // close() stops accepting; connections with a request in flight continue (idle keep-alive ones are closed).
    if (listening) server.close();
    listening = false;
  };
  return {
    port: (server.address() as AddressInfo).port,
    native: false,
    stopListening,
    closeAll() {
      stopListening();
      for (const s of sockets) s.destroy();
    },
  };
}

const EMPTY = new Uint8Array(0);

function createExchange(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): ClientExchange {
  // Duplicates joined with ", " as uWS does (Node's req.headers would silently drop some, e.g. a second authorization).
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  let headerBytes = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    const v = raw[i + 1];
    headerBytes += k.length + v.length + 4;
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const addr = req.socket.remoteAddress ?? '';
  const remoteAddress = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  // Node's parser already refuses most ambiguous framing; this adds what it accepts but the gateway does not.
  const framingError = framingProblem(headers);

  let aborted = false;
  let started = false;
  let finished = false;
  const abortCbs: Array<() => void> = [];
  let drainCb: (() => void) | undefined;
  let body: Promise<Uint8Array> | undefined;
  const onAborted = () => {
    if (aborted) return;
    aborted = true;
    for (const cb of abortCbs) cb();
  };
  // As with uWS: once the response is ended, a close is its normal end; before that, the client went away.
  res.once('close', () => {
    if (!finished) onAborted();
  });
  res.on('drain', () => {
    const cb = drainCb;
    drainCb = undefined;
    cb?.();
  });

  return {
    method: req.method ?? 'GET', path, query, headers, remoteAddress, headerBytes, framingError,
    get aborted() { return aborted; },
    get started() { return started; },
    readBody() {
      return (body ??= readBody(req, headers, req.method ?? 'GET', maxBodyBytes));
    },
    respond(code, hs, body, close = false) {
      if (aborted || finished) return;
      finished = started = true;
      const flat = flatten(hs);
      if (!hasHeader(hs, 'content-length')) flat.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
      // Answering while a chunked upload still arrives: close afterwards, but let the client finish sending so it reads
      // the answer instead of a reset (lingering close, RFC 9112 §9.6). A declared length is read out by Node itself.
      const linger = !close && !req.complete && headers['transfer-encoding'] !== undefined;
      if (close || linger) flat.push('connection', 'close');
      if (linger) lingerOnClose(req.socket);
      res.writeHead(code, flat);
      res.end(body);
    },
    start(code, hs) {
      if (aborted || started) return;
      started = true;
      res.writeHead(code, flatten(hs));
      // Send the head now, as uWS does: a client waiting for SSE should see the status before the first event.
      res.flushHeaders();
    },
    write(chunk) {
      if (aborted || finished) return true;
      return res.write(chunk);
    },
    onDrain(cb) { drainCb = cb; },
    end(chunk) {
      if (aborted || finished) return;
      finished = true;
      res.end(chunk ?? EMPTY);
    },
    destroy() {
      if (aborted || finished) return;
      finished = true;
      // A hard close: the client sees a broken (unterminated) response, never a clean end.
      res.destroy();
      onAborted();
    },
    onAbort(cb) {
      if (aborted) cb();
      else abortCbs.push(cb);
    },
  };
}

/** After the response, half-close and keep reading (dropping) the upload until the client stops or LINGER_MS. */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}

function parserRefusal(code: string | undefined): string {
  const [status, err] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, new SluiceError('SLUICE_HEADERS_TOO_LARGE', 'Request headers are too large')]
      : [400, new SluiceError('SLUICE_BAD_REQUEST', 'Malformed or ambiguous request framing')];
  const body = errorBody(err, 'openai');
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

function flatten(hs: ReadonlyArray<readonly [string, string]>): string[] {
  const out: string[] = [];
  for (const [k, v] of hs) out.push(k, v);
  return out;
}

function hasHeader(hs: ReadonlyArray<readonly [string, string]>, name: string): boolean {
  for (const [k] of hs) if (k.length === name.length && k.toLowerCase() === name) return true;
  return false;
}

function readBody(req: IncomingMessage, headers: Record<string, string>, method: string, max: number): Promise<Uint8Array> {
  const declared = headers['content-length'];
  const chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
  if (!chunked && (declared === undefined || declared === '0') && (method === 'GET' || method === 'HEAD' || method === 'DELETE' || declared === '0')) {
    req.resume();
    return Promise.resolve(EMPTY);
  }
  if (declared !== undefined && Number(declared) > max) {
    return Promise.reject(new SluiceError('SLUICE_BODY_TOO_LARGE', `Request body exceeds ${max} bytes`));
  }
  return new Promise((resolve, reject) => {
    // Preallocate when the length is declared: one copy per chunk, no concat at the end.
    const exact = declared !== undefined ? Number(declared) : -1;
    let buf = new Uint8Array(exact >= 0 ? exact : 16 * 1024);
    let len = 0;
    let failed = false;
    const fail = (err: SluiceError) => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return; // the rest of an oversized body is read and dropped until the 413 closes the connection
      if (len + chunk.byteLength > max) return fail(new SluiceError('SLUICE_BODY_TOO_LARGE', `Request body exceeds ${max} bytes`));
      if (len + chunk.byteLength > buf.byteLength) {
        const grown = new Uint8Array(Math.min(max, Math.max(buf.byteLength * 2, len + chunk.byteLength)));
        grown.set(buf.subarray(0, len));
        buf = grown;
      }
      buf.set(chunk, len);
      len += chunk.byteLength;
    });
    req.once('end', () => {
      if (!failed) resolve(len === buf.byteLength ? buf : buf.subarray(0, len));
    });
    // The client went away mid-body: settle so the exchange is audited and leaves the in-flight count.
    req.once('close', () => {
      if (!req.complete) fail(new SluiceError('SLUICE_CLIENT_ABORTED', 'Client closed the connection before the request body arrived'));
    });
  });
}
