// Request framing on real sockets: ambiguous lengths refused, bodies nobody reads consumed, refused uploads readable,
// and clients that vanish mid-body settled, recorded and counted down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';
import { auditRecords, rawExchange } from '../helpers/raw.js';

let stack: Stack;
let token: string;
const MAX = 256 * 1024;

beforeAll(async () => {
  stack = await startStack({ config: { server: { maxBodyBytes: MAX } } });
  token = await stack.token(['analysts']);
});
afterAll(async () => stack?.close());

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
};

describe('ambiguous framing', () => {
  it('refuses two different Content-Lengths with 400 and closes', async () => {
    const r = await rawExchange(stack.url, ['GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n']);
    expect(r.statuses).toEqual([400]);
    expect(r.text).toContain('SLUICE_BAD_REQUEST');
    expect(r.closed).toBe(true);
  });

  it('never reads the body of a two-Content-Length request as a second request (smuggling)', async () => {
    const smuggled = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = await rawExchange(stack.url, [`GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`]);
    // Either the 400 or, when the smuggled request arrives in the same packet, an immediate close: never a 200.
    expect(r.statuses.filter((s) => s !== 400)).toEqual([]);
    expect(r.text).not.toContain('sluice_requests_total');
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(1000);
  });

  it('refuses a malformed Content-Length at once (uWS closes on a list value before Sluice sees it)', async () => {
    for (const cl of ['5, 6', '+5', '0x5', '5 5']) {
      const r = await rawExchange(stack.url, [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${cl}\r\n\r\nhello`]);
      expect(r.statuses.filter((s) => s !== 400)).toEqual([]);
      expect(r.closed).toBe(true);
      expect(r.ms).toBeLessThan(1000);
    }
  });

  it('accepts a repeated identical Content-Length as one on uWS, refuses it cleanly on node:http (RFC 9110 §8.6 allows both)', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}';
    const r = await rawExchange(stack.url, [
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ]);
    if (stack.sluice.engine.name === 'node') {
      // Node's parser (llhttp) refuses any repeated Content-Length, which RFC 9110 §8.6 also allows: provider-shaped.
      expect(r.statuses).toEqual([400]);
      expect(r.text).toContain('SLUICE_BAD_REQUEST');
    } else expect(r.statuses).toEqual([200]);
  });

  it('never answers a Transfer-Encoding + Content-Length request with success', async () => {
    const r = await rawExchange(stack.url, ['POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']);
    expect(r.statuses.every((s) => s === 400)).toBe(true);
    expect(r.closed).toBe(true);
  });
});

describe('bodies nobody reads', () => {
  it('consumes the body of an operator request: one request, one response, the connection stays in sync', async () => {
    const smuggled = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = await rawExchange(
      stack.url,
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n`, smuggled, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'],
      { gapMs: 100 },
    );
    expect(r.statuses).toEqual([200, 200]);
    expect(r.text).not.toContain('sluice_requests_total');
  });
});

describe('refused uploads', () => {
  it('413 for a declared body over the limit is readable by a client still uploading (fetch)', async () => {
    const big = new Uint8Array(50 * 1024 * 1024).fill(97);
    const res = await fetch(`${stack.url}/v1/chat/completions`, { method: 'POST', body: big, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SLUICE_BODY_TOO_LARGE');
  });

  it('413 for a chunked body that grows over the limit, then a lingering close', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = (n: number) => `${n.toString(16)}\r\n${'a'.repeat(n)}\r\n`;
    const parts = [head, ...Array.from({ length: 6 }, () => chunk(64 * 1024)), '0\r\n\r\n'];
    const r = await rawExchange(stack.url, parts, { gapMs: 20, waitMs: 3000 });
    expect(r.statuses).toEqual([413]);
    expect(r.text.toLowerCase()).toContain('connection: close');
    expect(r.text).toContain('SLUICE_BODY_TOO_LARGE');
    expect(r.closed).toBe(true);
  });
});

describe('clients that vanish', () => {
  it('a client that disconnects mid-body is recorded and no longer counted in flight', async () => {
    const before = stack.sluice.gateway.inFlight;
    const s = connect(Number(new URL(stack.url).port), '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    const id = `vanish-${Date.now()}`;
    s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nx-request-id: ${id}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n{"model":"gpt-4o-mini"`);
    expect(await until(() => stack.sluice.gateway.inFlight > before)).toBe(true);
    s.destroy();
    expect(await until(() => stack.sluice.gateway.inFlight === before)).toBe(true);
    expect(await until(() => auditRecords(stack.auditDir).some((r) => r.requestId === id))).toBe(true);
    const rec = auditRecords(stack.auditDir).find((r) => r.requestId === id)!;
    expect(rec).toMatchObject({ kind: 'exchange', aborted: true, status: 499, error: 'SLUICE_CLIENT_ABORTED' });
  });

  it('a JSON response that breaks after 200 headers is recorded with the status the client got', async () => {
    const id = `broken-json-${Date.now()}`;
    const res = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': id, 'x-mock-reset-after': '10' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    await res.body.text();
    expect(res.statusCode).toBe(502);
    expect(await until(() => auditRecords(stack.auditDir).some((r) => r.requestId === id))).toBe(true);
    const rec = auditRecords(stack.auditDir).find((r) => r.requestId === id)!;
    expect(rec.status).toBe(502);
    expect(rec.error).toBe('SLUICE_UPSTREAM_RESET');
    const metrics = await (await request(`${stack.url}/metrics`)).body.text();
    expect(metrics).toMatch(/sluice_requests_total\{[^}]*status="502"[^}]*\} [1-9]/);
  });
});
