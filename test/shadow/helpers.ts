// Loopback stand-ins for the shadow proxy tests: an echo TCP server, an HTTPS "provider", a plain-HTTP
// fake provider or gateway that records what reached it, and a resolver that never touches DNS.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import type { AuditRecordInput } from '../../src/audit/record.js';
import { Counter } from '../../src/observe/metrics.js';
import { silentLogger } from '../../src/observe/logger.js';
import type { Resolver } from '../../src/shadow/destination.js';
import { startEgressProxy, type EgressProxy, type EgressProxyOptions } from '../../src/shadow/proxy.js';

/** The value of one series of a counter (0 when it was never incremented). */
export async function countOf(c: Counter, labels: Record<string, string>): Promise<number> {
  const { values } = await c.get();
  const hit = values.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v) && Object.keys(x.labels).length === Object.keys(labels).length);
  return hit?.value ?? 0;
}

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

/** A TCP echo server on 127.0.0.1 that counts the connections it accepted. */
export async function startEcho(): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/**
 * A resolver that never touches DNS: each name answers from `answers` (a list, or a function of the call
 * count for rebinding tests), 127.0.0.1 otherwise. `asked` records every name asked for, in order.
 */
export function testResolver(answers: Record<string, string[] | ((n: number) => string[])> = {}): { resolve: Resolver; asked: string[] } {
  const asked: string[] = [];
  const resolve: Resolver = async (host) => {
    asked.push(host);
    const a = answers[host];
    const n = asked.filter((h) => h === host).length;
    const out = typeof a === 'function' ? a(n) : (a ?? ['127.0.0.1']);
    if (!out.length) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return out;
  };
  return { resolve, asked };
}

export interface TestProxy {
  proxy: EgressProxy;
  url: string;
  records: AuditRecordInput[];
  counter: Counter;
  egress: Counter;
  asked: string[];
  close(): Promise<void>;
}

export async function startTestProxy(opts: Partial<EgressProxyOptions> & { answers?: Parameters<typeof testResolver>[0] } = {}): Promise<TestProxy> {
  const records: AuditRecordInput[] = [];
  const counter = new Counter({ name: 'sluice_shadow_calls_total', help: 'test', labelNames: ['host', 'action'], registers: [] });
  const egress = new Counter({ name: 'sluice_egress_calls_total', help: 'test', labelNames: ['action', 'reason'], registers: [] });
  const { answers, ...rest } = opts;
  const { resolve, asked } = testResolver(answers);
  const proxy = await startEgressProxy({
    host: '127.0.0.1',
    port: 0,
    policy: { default: 'block' },
    audit: (r) => records.push(r),
    metrics: { shadow: counter, egress },
    logger: silentLogger(),
    resolve,
    ...rest,
  });
  return { proxy, url: `http://127.0.0.1:${proxy.port}`, records, counter, egress, asked, close: () => proxy.close() };
}

/**
 * A Redis stand-in on 127.0.0.1 holding what the shared token vault holds: `KEYS *` lists a vault key.
 * It counts accepted connections, so a test can prove that nothing reached it.
 */
export async function startRedisLike(): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (/KEYS \*\r?\n/i.test(buf)) {
        const key = 'sluice:vault:s1:<card_7f3a>';
        s.write(`*1\r\n$${key.length}\r\n${key}\r\n`);
        buf = '';
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** Sends a raw CONNECT and returns the response head (and the whole body for refusals). */
export function rawConnect(port: number, target: string, extra = ''): Promise<{ head: string; body: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = '';
    socket.on('error', reject);
    socket.on('data', function onData(d: Buffer) {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      if (head.startsWith('HTTP/1.1 200')) {
        socket.off('data', onData);
        return resolve({ head, body: '', socket });
      }
      socket.on('end', () => resolve({ head, body: buf.slice(end + 4), socket }));
    });
    // A proxy that drops the connection without an answer must fail the test, not hang it.
    socket.on('close', () => {
      const end = buf.indexOf('\r\n\r\n');
      resolve({ head: end < 0 ? buf : buf.slice(0, end), body: end < 0 ? '' : buf.slice(end + 4), socket });
    });
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${extra}\r\n`);
  });
}
