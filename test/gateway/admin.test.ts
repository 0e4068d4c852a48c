// Admin routes through the gateway: JSON answers and raw answers (pages, assets) with repeated headers.
import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import type { ClientExchange } from '../../src/http/exchange.js';
import type { AdminRoutes } from '../../src/ports.js';
import type { SluiceConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createRouter } from '../../src/upstream/routes.js';

interface Sent {
  status: number;
  headers: Array<readonly [string, string]>;
  body: string;
}

function exchange(method: string, path: string, query = ''): { x: ClientExchange; sent: Promise<Sent> } {
  let done!: (s: Sent) => void;
  const sent = new Promise<Sent>((r) => (done = r));
  const x = {
    method, path, query, headers: {}, remoteAddress: '127.0.0.1', headerBytes: 0, aborted: false, started: false,
    readBody: async () => new Uint8Array(0),
    respond: (status: number, headers: Array<readonly [string, string]>, body: string | Uint8Array) =>
      done({ status, headers, body: typeof body === 'string' ? body : Buffer.from(body).toString() }),
    onAbort: () => undefined,
  } as unknown as ClientExchange;
  return { x, sent };
}

const admin: AdminRoutes = {
  async handle(ctx) {
    if (ctx.path.startsWith('/sluice/page')) {
      return { status: 200, raw: `<p>${ctx.path}</p>`, contentType: 'text/html; charset=utf-8', headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2']] };
    }
    if (ctx.path === '/sluice/json') return { status: 201, body: { ok: true } };
    return null;
  },
};

function gateway() {
  const config = { server: { maxHeaderBytes: 16384, maxBodyBytes: 1024 }, connections: [] } as unknown as SluiceConfig;
  const never = () => {
    throw new Error('not reached');
  };
  return createGateway({
    config, logger: silentLogger(), metrics: createMetrics(), router: createRouter([]), upstreams: new Map(),
    auth: { authenticate: never }, policy: { profileFor: never, decide: never }, inspect: { ready: true, inspect: never },
    audit: { exchange: () => undefined, refusing: false }, admin,
  });
}

describe('admin routes in the gateway', () => {
  it('sends a raw answer with its content type and every set-cookie header, the query on the path', async () => {
    const { x, sent } = exchange('GET', '/sluice/page', 'q=1');
    gateway().handle(x);
    const s = await sent;
    expect(s.status).toBe(200);
    expect(s.body).toBe('<p>/sluice/page?q=1</p>');
    expect(s.headers).toContainEqual(['content-type', 'text/html; charset=utf-8']);
    expect(s.headers.filter(([k]) => k === 'set-cookie')).toEqual([['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
    expect(s.headers.filter(([k]) => k === 'content-type')).toHaveLength(1);
  });

  it('still serializes JSON answers', async () => {
    const { x, sent } = exchange('GET', '/sluice/json');
    gateway().handle(x);
    const s = await sent;
    expect(s.status).toBe(201);
    expect(JSON.parse(s.body)).toEqual({ ok: true });
    expect(s.headers).toContainEqual(['content-type', 'application/json']);
  });
});
