// The uWS front end: the only code that writes to uWS. Copies every body chunk, corks every write.
import { STATUS_CODES } from 'node:http';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { ServerConfig } from '../config/schema.js';
import type { ClientExchange } from './exchange.js';
import { loadUws, type LoadedUws } from './uws.js';
import { framingProblem } from './framing.js';
import { createRequestBody, type RequestBody } from './body.js';

export interface HttpServer {
  port: number;
  native: boolean;
  /** Stop accepting new connections (in-flight exchanges continue). */
  stopListening(): void;
  /** Close every remaining connection (after draining: idle keep-alive sockets would otherwise stay served). */
  closeAll(): void;
}

/** How long a refused chunked upload may keep sending before the connection is closed (nginx: lingering_time). */
const LINGER_MS = 30_000;

const statusLine = new Map<number, string>();
function status(code: number): string {
  let s = statusLine.get(code);
  if (!s) {
    s = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`;
    statusLine.set(code, s);
  }
  return s;
}

/** Starts the uWS front end with a native build (src/http/engine.ts chooses the engine and loads the build). */
export async function startHttpServer(cfg: ServerConfig, handle: (x: ClientExchange) => void, loaded: LoadedUws = loadUws()): Promise<HttpServer> {
  const { uws, native } = loaded;
  const app: TemplatedApp = cfg.tls
    ? uws.SSLApp({ cert_file_name: cfg.tls.certFile, key_file_name: cfg.tls.keyFile, passphrase: cfg.tls.passphrase })
    : uws.App();
  app.any('/*', (res, req) => handle(createExchange(res, req, cfg.maxBodyBytes)));

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(cfg.host, cfg.port, (s) => (s ? resolve(s) : reject(new Error(`cannot listen on ${cfg.host}:${cfg.port}`))));
  });
  let listening = true;
  const stopListening = () => {
    if (listening) uws.us_listen_socket_close(listenSocket);
    listening = false;
  };
  return {
    port: uws.us_socket_local_port(listenSocket),
    native,
    stopListening,
    closeAll() {
      stopListening();
      // Present on the native App since v20.2x; the bundled type definitions lag behind.
      (app as unknown as { close?: () => void }).close?.();
    },
  };
}

function createExchange(res: HttpResponse, req: HttpRequest, maxBodyBytes: number): ClientExchange {
  return new UwsExchange(res, req, maxBodyBytes);
}

// Scratch for the synchronous callbacks below (req.forEach, res.cork run their callback before returning): one
// function each for every request instead of a closure per request and call.
let headersInto: Record<string, string> = {};
let headerBytesSeen = 0;
function collectHeader(k: string, v: string): void {
  headerBytesSeen += k.length + v.length + 4;
  const seen = headersInto[k];
  headersInto[k] = seen === undefined ? v : `${seen}, ${v}`;
}

let corked: HttpResponse;
let corkedCode = 0;
let corkedHeaders: ReadonlyArray<readonly [string, string]> = [];
let corkedPayload: string | Uint8Array | undefined;
let corkedClose = false;
let corkedOk = true;
function corkedRespond(): void {
  writeHead(corked, corkedCode, corkedHeaders);
  corked.end(corkedPayload, corkedClose);
}
function corkedStart(): void {
  writeHead(corked, corkedCode, corkedHeaders);
}
function corkedWrite(): void {
  corkedOk = corked.write(corkedPayload!);
}
function corkedEnd(): void {
  corked.end(corkedPayload ?? '');
}
function corkedClosingEnd(): void {
  corked.end(undefined, true);
}

function writeHead(res: HttpResponse, code: number, hs: ReadonlyArray<readonly [string, string]>): void {
  res.writeStatus(status(code));
  for (let i = 0; i < hs.length; i++) res.writeHeader(hs[i][0], hs[i][1]);
}

const decoder = new TextDecoder();

/**
 * One exchange as a class: its methods live on the prototype, so a request allocates this object, its headers and
 * two callbacks (onAborted, onData) instead of a closure per method (issue 13 §2: fewer young objects that survive
 * a scavenge while the request is in flight).
 */
class UwsExchange implements ClientExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly remoteAddress: string;
  readonly headerBytes: number;
  readonly framingError: string | undefined;
  aborted = false;
  started = false;
  private finished = false;
  private abortCbs: Array<() => void> | undefined = undefined;
  private drainCb: (() => void) | undefined = undefined;
  private lingerTimer: NodeJS.Timeout | undefined = undefined;
  private readonly res: HttpResponse;
  private readonly body: RequestBody;

  constructor(res: HttpResponse, req: HttpRequest, maxBodyBytes: number) {
    this.res = res;
    // HttpRequest is stack-allocated: read everything now.
    const headers: Record<string, string> = {};
    headersInto = headers;
    headerBytesSeen = 0;
    req.forEach(collectHeader);
    this.headers = headers;
    this.headerBytes = headerBytesSeen;
    headersInto = {};
    this.method = req.getCaseSensitiveMethod().toUpperCase();
    this.path = req.getUrl();
    this.query = req.getQuery() ?? '';
    this.remoteAddress = decoder.decode(res.getRemoteAddressAsText());
    this.framingError = framingProblem(headers);
    res.onAborted(() => this.onAborted());
    // Registered before the handler returns (uWS drops chunks that arrive with no onData); with ambiguous framing
    // nothing is read: the answer is a 400 and a closed connection.
    this.body = this.framingError ? createRequestBody(res, {}, 0) : createRequestBody(res, headers, maxBodyBytes);
  }

  private onAborted(): void {
    this.aborted = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.body.abort();
    if (this.abortCbs) for (const cb of this.abortCbs) cb();
  }

  /**
   * Answer while a chunked body is still arriving: send the answer, keep reading (and dropping) the rest, then
   * close (RFC 9112 §9.6 lingering close), so a client still uploading can read the status instead of a reset.
   * With a declared length uWS consumes the rest itself and the connection stays usable.
   */
  private lingerRespond(code: number, hs: ReadonlyArray<readonly [string, string]>, payload: string | Uint8Array): void {
    const { res, body } = this;
    body.discard();
    res.cork(() => {
      writeHead(res, code, [...hs, ['connection', 'close']]);
      res.write(payload);
    });
    const close = () => {
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      if (this.aborted) return;
      corked = res;
      res.cork(corkedClosingEnd);
    };
    body.onComplete(close);
    if (!body.complete) {
      this.lingerTimer = setTimeout(() => {
        if (!this.aborted) res.close();
      }, LINGER_MS);
      this.lingerTimer.unref();
    }
  }

  readBody(): Promise<Uint8Array> {
    return this.body.read();
  }

  respond(code: number, hs: ReadonlyArray<readonly [string, string]>, payload: string | Uint8Array, close = false): void {
    if (this.aborted || this.finished) return;
    this.finished = this.started = true;
    const body = this.body;
    if (!close && !body.complete && body.chunked) return this.lingerRespond(code, hs, payload);
    if (!body.complete) body.discard();
    corked = this.res;
    corkedCode = code;
    corkedHeaders = hs;
    corkedPayload = payload;
    corkedClose = close;
    this.res.cork(corkedRespond);
    corkedPayload = undefined;
    corkedHeaders = [];
  }

  start(code: number, hs: ReadonlyArray<readonly [string, string]>): void {
    if (this.aborted || this.started) return;
    this.started = true;
    corked = this.res;
    corkedCode = code;
    corkedHeaders = hs;
    this.res.cork(corkedStart);
    corkedHeaders = [];
  }

  write(chunk: Uint8Array | string): boolean {
    if (this.aborted || this.finished) return true;
    corked = this.res;
    corkedPayload = chunk;
    corkedOk = true;
    this.res.cork(corkedWrite);
    corkedPayload = undefined;
    const ok = corkedOk;
    if (!ok) {
      this.res.onWritable(() => {
        const cb = this.drainCb;
        this.drainCb = undefined;
        cb?.();
        return true;
      });
    }
    return ok;
  }

  onDrain(cb: () => void): void {
    this.drainCb = cb;
  }

  end(chunk?: Uint8Array | string): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    corked = this.res;
    corkedPayload = chunk;
    this.res.cork(corkedEnd);
    corkedPayload = undefined;
  }

  destroy(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.res.close();
  }

  onAbort(cb: () => void): void {
    if (this.aborted) cb();
    else (this.abortCbs ??= []).push(cb);
  }
}
