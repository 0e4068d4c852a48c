// Plain-HTTP (absolute-form) requests through the egress proxy: inspected in full — host, path, headers
// and the first `maxInspectBytes` of the body — then forwarded to the checked address, refused, or routed
// to Sluice's gateway.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, pipeline } from 'node:stream';
import { SluiceError, errorBody, toSluiceError } from '../errors.js';
import { classifyUpstreamError } from '../upstream/forward.js';
import type { ProxyCore } from './core.js';
import { noteOnce, type EgressCall } from './ledger.js';
import { pathOnly } from './paths.js';
import { NOT_CLASSIFIED, blockError, errorKind, proxyStatus, refusalError, unreachable } from './refuse.js';
import { authorityText, parseProxyUrl } from './target.js';
import { forwardHeaders, gatewayHeaders, responseHeaders } from './proxy-headers.js';
import { gatewayTarget } from './reroute.js';

type Body = Readable | null;

export function createHttpHandler(core: ProxyCore): (req: IncomingMessage, res: ServerResponse) => void {
  return function handleProxyRequest(req, res) {
    handle(req, res).catch((err) => {
      core.logger.error({ err: (err as Error).message }, 'shadow: proxy request failed');
      if (!res.headersSent) sendError(res, toSluiceError(err), 'openai');
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const remote = req.socket.remoteAddress ?? '';
    const url = req.url ?? '';
    const method = req.method ?? 'GET';
    if (!/^http:\/\//i.test(url)) {
      return sendError(res, new SluiceError('SLUICE_BAD_REQUEST', 'This is Sluice\'s egress proxy: send absolute-form http:// requests (HTTPS goes through CONNECT).'), 'openai');
    }
    // One parse decides the host, the port and the path that is sent (no second parser to disagree with).
    const parsed = parseProxyUrl(url);
    const early = (host: string, port: number, rule: string, err: SluiceError, identity?: EgressCall['identity']) => {
      const call: EgressCall = { mode: 'http', source: remote, identity, host, port, method, classification: NOT_CLASSIFIED, verdict: { action: 'block', rule }, action: 'block' };
      refuse(res, call, err, 'openai', err.code);
    };
    if (!parsed) return early('(malformed)', 0, 'malformed', new SluiceError('SLUICE_BAD_REQUEST', 'Request target has no valid host'));
    const { dest, path: target } = parsed;
    const path = pathOnly(target);

    let caller;
    try {
      caller = await core.identify(req.headers, remote);
    } catch (err) {
      return early(dest.host, dest.port, 'auth', toSluiceError(err));
    }
    const { prefix, rest } = await readPrefix(req, core.limits.maxInspectBytes);
    const c = core.classifier.classify({ host: dest.host, path: decodedPath(path), headers: req.headers, body: prefix });
    const body: Body = method === 'GET' || method === 'HEAD' ? null : concat(prefix, rest);
    const v = await core.decide(dest, c);
    const call: EgressCall = { mode: 'http', source: remote, identity: caller.identity, host: dest.host, port: dest.port, address: v.address?.text, method, path, classification: c, verdict: v, action: v.action };
    const kind = errorKind(c.provider, path);
    if (v.refusal === 'unresolvable') return refuse(res, call, unreachable(authorityText(dest.host, dest.port)), kind, 'SLUICE_UPSTREAM_UNREACHABLE', v.action);
    if (v.action === 'route') {
      const to = gatewayTarget(target, core.advice);
      if (to) return relay(req, res, to.origin, to.path, gatewayHeaders(req.headers, caller.token), body, call, to.kind);
      return refuse(res, call, blockError(dest.host, 'unroutable', core.advice), kind);
    }
    if (v.action === 'block') return refuse(res, call, refusalError(dest.host, dest.port, c, v, core.advice), kind);
    // The checked address, never the name: a second lookup could answer differently (DNS rebinding).
    const ip = v.address!;
    const origin = `http://${ip.family === 6 ? `[${ip.text}]` : ip.text}:${dest.port}`;
    const headers = forwardHeaders(req.headers);
    headers.host = dest.port === 80 ? hostText(dest.host) : authorityText(dest.host, dest.port);
    return relay(req, res, origin, target, headers, body, call, kind);
  }

  /** Refuses and records; `action` stays the policy's when the refusal is not a policy decision (502). */
  function refuse(res: ServerResponse, call: EgressCall, err: SluiceError, kind: 'openai' | 'anthropic', error?: string, action: EgressCall['action'] = 'block'): void {
    call.action = action;
    noteOnce(core.ledger, call)(proxyStatus(err), error);
    // The rest of a large body may still be arriving: close rather than drain it.
    res.shouldKeepAlive = false;
    sendError(res, err, kind);
  }

  function relay(req: IncomingMessage, res: ServerResponse, origin: string, path: string, headers: Record<string, string | string[]>, body: Body, call: EgressCall, kind: 'openai' | 'anthropic' = 'openai'): void {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const note = noteOnce(core.ledger, call);
    core.dispatcher
      .request({ origin, path, method: (req.method ?? 'GET') as 'GET', headers, body, signal: abort.signal, headersTimeout: core.limits.upstreamTimeoutMs, bodyTimeout: core.limits.upstreamTimeoutMs })
      .then((up) => {
        note(up.statusCode);
        res.writeHead(up.statusCode, responseHeaders(up.headers));
        pipeline(up.body, res, () => undefined);
      })
      .catch((err: Error & { code?: string }) => {
        if (abort.signal.aborted) return note(undefined, 'client_aborted');
        const e = classifyUpstreamError(err);
        note(e.status, e.code);
        if (!res.headersSent) sendError(res, e, kind);
        else res.destroy();
      });
  }
}

function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function sendError(res: ServerResponse, err: SluiceError, kind: 'openai' | 'anthropic'): void {
  const body = errorBody(err, kind);
  res.writeHead(proxyStatus(err), { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...err.headers });
  res.end(body);
}

/** Reads up to `max` bytes; `rest` yields whatever follows (the stream resumes only when it is iterated). */
function readPrefix(req: IncomingMessage, max: number): Promise<{ prefix: Buffer; rest: AsyncIterable<Uint8Array> | null }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (rest: AsyncIterable<Uint8Array> | null) => {
      req.off('data', onData).off('end', onEnd).off('error', reject).off('close', onClose);
      resolve({ prefix: Buffer.concat(chunks), rest });
    };
    function onData(chunk: Buffer): void {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) {
        req.pause();
        done(req);
      }
    }
    function onEnd(): void {
      done(null);
    }
    function onClose(): void {
      if (!req.complete) reject(new SluiceError('SLUICE_BAD_REQUEST', 'Client closed the connection before sending the whole request'));
    }
    req.on('data', onData).on('end', onEnd).on('error', reject).on('close', onClose);
  });
}

function concat(prefix: Buffer, rest: AsyncIterable<Uint8Array> | null): Readable {
  return Readable.from(
    (async function* bodyChunks() {
      if (prefix.length) yield prefix;
      if (rest) yield* rest;
    })(),
    { objectMode: false },
  );
}

// `/v1/chat%2Fcompletions` must not slip past a path signature the upstream would still honour.
function decodedPath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
