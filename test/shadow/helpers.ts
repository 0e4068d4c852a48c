// Loopback stand-ins for the shadow proxy tests: an echo TCP server, an HTTPS "provider", a plain-HTTP
// fake provider or gateway that records what reached it, and a resolver that counts its calls.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type LookupFunction } from 'node:net';
import { join } from 'node:path';
import type { AuditRecordInput } from '../../src/audit/record.js';
import { Counter } from '../../src/observe/metrics.js';
import { silentLogger } from '../../src/observe/logger.js';
import { startEgressProxy, type EgressProxy, type EgressProxyOptions } from '../../src/shadow/proxy.js';

export const FIXTURES = join(import.meta.dirname, '../fixtures/shadow');
export const TLS = {
  cert: readFileSync(join(FIXTURES, 'test-only-loopback.crt')),
  key: readFileSync(join(FIXTURES, 'test-only-loopback.key')),
};

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Recorder {
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

const closeServer = (s: Server) => new Promise<void>((r) => { s.closeAllConnections?.(); s.close(() => r()); });

/** An OpenAI-looking server that records each request and answers a small completion. */
export async function startRecorder(reply: (s: Seen) => unknown = () => ({ id: 'chatcmpl-1', object: 'chat.completion', choices: [] })): Promise<Recorder> {
  const seen: Seen[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'recorder' });
      res.end(JSON.stringify(reply(s)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, seen, close: () => closeServer(server) };
}

export async function startHttpsProvider(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpsServer(TLS, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [], path: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server as unknown as Server) };
}

export async function startEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createTcpServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

/** Resolves every name to 127.0.0.1 and records which names were asked for. */
export function loopbackLookup(): { lookup: LookupFunction; asked: string[] } {
  const asked: string[] = [];
  const lookup = ((hostname: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    asked.push(hostname);
    if (options?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  }) as unknown as LookupFunction;
  return { lookup, asked };
}

export interface TestProxy {
  proxy: EgressProxy;
  url: string;
  records: AuditRecordInput[];
  counter: Counter;
  asked: string[];
  close(): Promise<void>;
}

export async function startTestProxy(opts: Partial<EgressProxyOptions> = {}): Promise<TestProxy> {
  const records: AuditRecordInput[] = [];
  const counter = new Counter('sluice_shadow_calls_total', 'test');
  const { lookup, asked } = loopbackLookup();
  const proxy = await startEgressProxy({
    host: '127.0.0.1',
    port: 0,
    policy: { default: 'block' },
    audit: (r) => records.push(r),
    metrics: { shadow: counter },
    logger: silentLogger(),
    lookup,
    ...opts,
  });
  return { proxy, url: `http://127.0.0.1:${proxy.port}`, records, counter, asked, close: () => proxy.close() };
}
