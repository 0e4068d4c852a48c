// A client that stops reading mid-stream: Sluice pauses upstream instead of buffering the stream, and the
// stream still arrives whole, masked and in order when the client reads again.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

const DELTAS = 40_000;
const delta = (i: number) => `${String(i).padStart(6, '0')} lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor `;

async function pauses(): Promise<number> {
  const metrics = await (await request(`${stack.url}/metrics`)).body.text();
  return Number(/sluice_backpressure_pauses_total\{connection="openai"\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

describe('slow client', () => {
  it('pauses upstream while the client does not read, then delivers everything', async () => {
    const token = await stack.token(['analysts']);
    // ~4 MB of content, ~12 MB on the wire: more than the kernel buffers between Sluice and the client.
    stack.mock.setScript(() => ({ deltas: [...Array.from({ length: DELTAS }, (_, i) => delta(i)), 'card 4111 1111 1111 1111 end'] }));
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'long' }] });
    const port = Number(new URL(stack.url).port);
    const socket = connect(port, '127.0.0.1');
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    socket.pause(); // read nothing until Sluice had to pause upstream (a fixed wait is too short on a busy machine)
    const deadline = Date.now() + 20_000;
    while ((await pauses()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.resume();
    await new Promise((r) => socket.on('close', r));
    stack.mock.setScript(undefined);

    const wire = Buffer.concat(chunks).toString('utf8');
    expect(wire.startsWith('HTTP/1.1 200')).toBe(true);
    // Reassemble the streamed content from the SSE events (chunked framing in between is tolerated by the regex).
    let content = '';
    for (const m of wire.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)) content += JSON.parse(`"${m[1]}"`);
    expect(content.startsWith(delta(0))).toBe(true);
    expect(content).toContain(delta(DELTAS - 1));
    expect(content.replace(/\D/g, '')).not.toContain('4111111111111111');
    expect(content.endsWith(' end')).toBe(true);

    expect(await pauses()).toBeGreaterThan(0);
  }, 45_000);
});
