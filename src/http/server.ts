// The uWS front end: the only code that writes to uWS. Copies every body chunk, corks every write.
import { STATUS_CODES } from 'node:http';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { ServerConfig } from '../config/schema.js';
import type { ClientExchange } from './exchange.js';
import { loadUws, type LoadedUws } from './uws.js';
import { framingProblem } from './framing.js';
import { createRequestBody } from './body.js';

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
  // HttpRequest is stack-allocated: read everything now.
  const headers: Record<string, string> = {};
  let headerBytes = 0;
  req.forEach((k, v) => {
    headerBytes += k.length + v.length + 4;
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  });
  const method = req.getCaseSensitiveMethod().toUpperCase();
  const path = req.getUrl();
  const query = req.getQuery() ?? '';
  const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
  const framingError = framingProblem(headers);

  let aborted = false;
  let started = false;
  let finished = false;
  const abortCbs: Array<() => void> = [];
  let drainCb: (() => void) | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  res.onAborted(() => {
    aborted = true;
    if (lingerTimer) clearTimeout(lingerTimer);
    body.abort();
    for (const cb of abortCbs) cb();
  });
  // Registered before the handler returns (uWS drops chunks that arrive with no onData); with ambiguous framing
  // nothing is read: the answer is a 400 and a closed connection.
  const body = framingError ? createRequestBody(res, {}, 0) : createRequestBody(res, headers, maxBodyBytes);

  const writeHead = (code: number, hs: ReadonlyArray<readonly [string, string]>) => {
    res.writeStatus(status(code));
    for (const [k, v] of hs) res.writeHeader(k, v);
  };

  /**
   * Answer while a chunked body is still arriving: send the answer, keep reading (and dropping) the rest, then
   * close (RFC 9112 §9.6 lingering close), so a client still uploading can read the status instead of a reset.
   * With a declared length uWS consumes the rest itself and the connection stays usable.
   */
  function lingerRespond(code: number, hs: ReadonlyArray<readonly [string, string]>, payload: string | Uint8Array): void {
    body.discard();
    res.cork(() => {
      writeHead(code, [...hs, ['connection', 'close']]);
      res.write(payload);
    });
    const close = () => {
      if (lingerTimer) clearTimeout(lingerTimer);
      if (aborted) return;
      res.cork(() => res.end(undefined, true));
    };
    body.onComplete(close);
    if (!body.complete) {
      lingerTimer = setTimeout(() => {
        if (!aborted) res.close();
      }, LINGER_MS);
      lingerTimer.unref();
    }
  }

  return {
    method, path, query, headers, remoteAddress, headerBytes, framingError,
    get aborted() { return aborted; },
    get started() { return started; },
    readBody() {
      return body.read();
    },
    respond(code, hs, payload, close = false) {
      if (aborted || finished) return;
      finished = started = true;
      if (!close && !body.complete && body.chunked) return lingerRespond(code, hs, payload);
      if (!body.complete) body.discard();
      res.cork(() => {
        writeHead(code, hs);
        res.end(payload, close);
      });
    },
    start(code, hs) {
      if (aborted || started) return;
      started = true;
      res.cork(() => writeHead(code, hs));
    },
    write(chunk) {
      if (aborted || finished) return true;
      let ok = true;
      res.cork(() => { ok = res.write(chunk); });
      if (!ok) {
        res.onWritable(() => {
          const cb = drainCb;
          drainCb = undefined;
          cb?.();
          return true;
        });
      }
      return ok;
    },
    onDrain(cb) { drainCb = cb; },
    end(chunk) {
      if (aborted || finished) return;
      finished = true;
      res.cork(() => res.end(chunk ?? ''));
    },
    destroy() {
      if (aborted || finished) return;
      finished = true;
      res.close();
    },
    onAbort(cb) {
      if (aborted) cb();
      else abortCbs.push(cb);
    },
  };
}
