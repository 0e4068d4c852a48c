// The same HTTP behaviour from both front ends (uWS where a native build loads here, node:http always): framing
// edge cases the gateway relies on, run against each engine in turn.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { chooseEngine, type EngineName } from '../../src/http/engine.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { rawExchange } from '../helpers/raw.js';

const engines: EngineName[] = ['node'];
// Probing loads the uWS binary, which reads its head limit once: pass the limit the stacks below use.
if (chooseEngine('auto', { env: {}, maxHeaderBytes: 4096 }).name === 'uws') engines.unshift('uws');

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] });

describe.each(engines)('engine %s', (engine) => {
  let stack: Stack;
  let token: string;
  const saved = process.env.SLUICE_ENGINE;
  beforeAll(async () => {
    delete process.env.SLUICE_ENGINE; // this file picks the engine itself
    stack = await startStack({ config: { server: { engine, maxBodyBytes: 64 * 1024, maxHeaderBytes: 4096 } } });
    token = await stack.token(['analysts']);
  });
  afterAll(async () => {
    if (saved !== undefined) process.env.SLUICE_ENGINE = saved;
    await stack?.close();
  });

  /** Raw HTTP/1.1 over a socket: what the bytes on the wire look like. */
  function raw(text: string, opts: { endAfterWrite?: boolean } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect(Number(new URL(stack.url).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      s.on('data', (d) => chunks.push(d));
      s.on('error', reject);
      s.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      s.write(text);
      if (opts.endAfterWrite) s.end();
    });
  }

  it('runs the engine it was asked for', () => {
    expect(stack.sluice.engine.name).toBe(engine);
  });

  it('masks a chunked request body', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const half = Math.floor(chat.length / 2);
    const body = [chat.slice(0, half), chat.slice(half)].map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
    const wire = await raw(head + body);
    expect(wire).toMatch(/^HTTP\/1.1 200/);
    expect(wire).not.toContain('4111 1111 1111 1111');
    expect(wire).toContain('1111'); // the masked card keeps its last four
  });

  it('joins duplicate Authorization headers instead of trusting the first', async () => {
    const wire = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer other\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(chat)}\r\nConnection: close\r\n\r\n${chat}`,
    );
    expect(wire).toMatch(/^HTTP\/1.1 401/);
  });

  it('answers an oversized declared body with a provider-shaped 413 while the client is still sending', async () => {
    const r = await rawExchange(stack.url, [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${200 * 1024}\r\n\r\n{"model":`], { waitMs: 1500 });
    expect(r.statuses).toEqual([413]);
    expect(r.text).toContain('SLUICE_BODY_TOO_LARGE');
  });

  it('answers oversized headers with a provider-shaped 431', async () => {
    const r = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      body: chat,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-padding': 'p'.repeat(4200) },
    });
    expect(r.statusCode).toBe(431);
    expect((await r.body.json()) as object).toMatchObject({ error: { code: 'SLUICE_HEADERS_TOO_LARGE' } });
  });

  it('serves several requests on one keep-alive connection, and HEAD-free GETs', async () => {
    const one = `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`;
    const wire = await raw(`${one}${one}GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(wire.match(/HTTP\/1.1 200/g)).toHaveLength(3);
  });

  it('drops a client that leaves mid-body: the exchange ends and leaves the in-flight count', async () => {
    const before = stack.sluice.gateway.inFlight;
    const partial = chat.slice(0, 20);
    await raw(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(chat)}\r\n\r\n${partial}`, { endAfterWrite: true });
    const deadline = Date.now() + 3000;
    while (stack.sluice.gateway.inFlight > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(stack.sluice.gateway.inFlight).toBe(before);
  });
});
