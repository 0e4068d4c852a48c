// The uWS front end: the only code that writes to uWS. Copies every body chunk, corks every write.
import { STATUS_CODES } from 'node:http';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { ServerConfig } from '../config/schema.js';
import type { ClientExchange } from './exchange.js';
import { loadUws, type LoadedUws } from './uws.js';
import { SluiceError } from '../errors.js';

export interface HttpServer {
  port: number;
  native: boolean;
  /** Stop accepting new connections (in-flight exchanges continue). */
  stopListening(): void;
  /** Close every remaining connection (after draining: idle keep-alive sockets would otherwise stay served). */
  closeAll(): void;
}

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
  app.any('/*', (res, req) => handle(createExchange(res, req)));

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

function createExchange(res: HttpResponse, req: HttpRequest): ClientExchange {
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

  let aborted = false;
  let started = false;
  let finished = false;
  const abortCbs: Array<() => void> = [];
  let drainCb: (() => void) | undefined;
  res.onAborted(() => {
    aborted = true;
    for (const cb of abortCbs) cb();
  });

  const writeHead = (code: number, hs: ReadonlyArray<readonly [string, string]>) => {
    res.writeStatus(status(code));
    for (const [k, v] of hs) res.writeHeader(k, v);
  };

  return {
    method, path, query, headers, remoteAddress, headerBytes,
    get aborted() { return aborted; },
    get started() { return started; },
    readBody(max) {
      return readBody(res, headers, method, max, () => aborted, (cb) => abortCbs.push(cb));
    },
    respond(code, hs, body, close = false) {
      if (aborted || finished) return;
      finished = started = true;
      res.cork(() => {
        writeHead(code, hs);
        res.end(body, close);
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

function readBody(res: HttpResponse, headers: Record<string, string>, method: string, max: number, isAborted: () => boolean, onAbort: (cb: () => void) => void): Promise<Uint8Array> {
  const declared = headers['content-length'];
  const chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
  if (!chunked && (declared === undefined || declared === '0') && (method === 'GET' || method === 'HEAD' || method === 'DELETE' || declared === '0')) {
    return Promise.resolve(new Uint8Array(0));
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
    // The client went away mid-body: settle, or the exchange would never be audited nor leave the in-flight count.
    onAbort(() => {
      if (failed) return;
      failed = true;
      reject(new SluiceError('SLUICE_BAD_REQUEST', 'Client closed the connection before the request body was complete'));
    });
    res.onData((ab, isLast) => {
      if (failed || isAborted()) return;
      const chunk = new Uint8Array(ab);
      if (len + chunk.byteLength > max) {
        failed = true;
        reject(new SluiceError('SLUICE_BODY_TOO_LARGE', `Request body exceeds ${max} bytes`));
        return;
      }
      if (len + chunk.byteLength > buf.byteLength) {
        const grown = new Uint8Array(Math.min(max, Math.max(buf.byteLength * 2, len + chunk.byteLength)));
        grown.set(buf.subarray(0, len));
        buf = grown;
      }
      buf.set(chunk, len); // uWS neuters `ab` after this callback: copy now.
      len += chunk.byteLength;
      if (isLast) resolve(len === buf.byteLength ? buf : buf.subarray(0, len));
    });
  });
}
