// A mock OpenAI/Anthropic-compatible provider on node:http, for demo mode, end-to-end tests and benchmarks.
// Deterministic replies (echo of the last user turn), both SDKs' JSON and SSE shapes, and faults on demand
// via `x-mock-*` headers, queued behaviours or a script. See src/demo/mock/types.ts for every knob.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answer, type ExchangeDeps } from './mock/exchange.js';
import type { MockBehaviour, MockProvider, MockProviderOptions, MockScript, ReceivedRequest } from './mock/types.js';
import type { Live } from './mock/wire.js';

export type { MockBehaviour, MockProvider, MockProviderOptions, MockScript, ReceivedRequest, ScriptRequest } from './mock/types.js';

const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  quiet: true,
  maxReceived: 1000,
  maxBodyChars: 1 << 20,
});

/** Big enough for `x-mock-deltas` with a few thousand deltas. */
const MAX_HEADER_BYTES = 256 * 1024;
/** Longer than undici's and the SDKs' keep-alive, so the client always closes idle sockets first (no reset races). */
const KEEP_ALIVE_MS = 65_000;

function copyHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function defaultBehaviour(o: MockProviderOptions): MockBehaviour {
  const b: MockBehaviour = {};
  if (o.latencyMs !== undefined) b.latencyMs = o.latencyMs;
  if (o.tokenDelayMs !== undefined) b.tokenDelayMs = o.tokenDelayMs;
  if (o.chunkChars !== undefined) b.chunkChars = o.chunkChars;
  return Object.freeze(b);
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const o = { ...DEFAULTS, ...options };
  const received: ReceivedRequest[] = [];
  const queue: MockBehaviour[] = [];
  const idleWaiters: Array<() => void> = [];
  let script: MockScript | undefined;
  let seq = 0;
  let inFlight = 0;
  const deps: ExchangeDeps = {
    defaults: defaultBehaviour(o),
    nextQueued: () => queue.shift(),
    script: () => script,
  };

  function settle(rec: ReceivedRequest, res: ServerResponse, live: Live, started: number): void {
    live.closed = true;
    rec.completed = res.writableFinished;
    rec.aborted = !rec.completed && !live.reset;
    rec.reset = live.reset;
    rec.status = live.status;
    if (!o.quiet) {
      const how = rec.aborted ? ' aborted' : rec.reset ? ' reset' : '';
      process.stderr.write(`mock ${rec.method} ${rec.path} ${rec.status ?? '-'} ${(performance.now() - started).toFixed(1)}ms${how}\n`);
    }
    if (--inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
  }

  function record(rec: ReceivedRequest): void {
    if (o.maxReceived <= 0) return;
    received.push(rec);
    if (received.length > o.maxReceived) received.shift();
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    inFlight++;
    const rec: ReceivedRequest = {
      seq: ++seq,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      route: 'unknown',
      headers: o.maxReceived > 0 ? copyHeaders(req) : {},
      body: '',
      bodyBytes: 0,
      aborted: false,
      completed: false,
      reset: false,
    };
    record(rec);
    const live: Live = { closed: false, reset: false };
    res.once('close', function onClose() {
      settle(rec, res, live, started);
    });
    const chunks: Buffer[] = [];
    req.on('data', function onData(chunk: Buffer) {
      chunks.push(chunk);
      rec.bodyBytes += chunk.length;
    });
    req.once('end', function onEnd() {
      const body = chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks, rec.bodyBytes).toString();
      if (o.maxReceived > 0) rec.body = body.length > o.maxBodyChars ? body.slice(0, o.maxBodyChars) : body;
      void answer(req, res, body, rec, live, deps);
    });
  }

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, onRequest);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${formatHost(o.host)}:${port}`,
    port,
    received,
    get inFlight() {
      return inFlight;
    },
    clear() {
      received.length = 0;
    },
    reset() {
      received.length = 0;
      queue.length = 0;
      script = undefined;
    },
    setScript(fn) {
      script = fn;
    },
    enqueue(...behaviours) {
      queue.push(...behaviours);
    },
    whenIdle() {
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        // Hanging and stalled exchanges would otherwise hold close() open forever.
        server.closeAllConnections();
      });
    },
  };
}
