// Writes a MockReply to the socket under a plan: delays, backpressure, and the faults tests ask for
// (reset, stall, malformed). The only module that touches ServerResponse.
import type { ServerResponse } from 'node:http';
import { MALFORMED_EVENT } from './sse.js';
import type { MockBehaviour, MockReply } from './types.js';

/** Per-exchange flags shared with the server's `close` handler. */
export interface Live {
  closed: boolean;
  reset: boolean;
  status?: number;
}

const JSON_TYPE = 'application/json';
const SSE_HEADERS = Object.freeze({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Resolves true once `text` is handed to the socket (or buffered below the high-water mark), false if the client left. */
function write(res: ServerResponse, live: Live, text: string | Uint8Array, waitFlush: boolean): Promise<boolean> {
  if (live.closed) return Promise.resolve(false);
  if (text.length === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (): void => {
      res.off('drain', settle);
      res.off('close', settle);
      resolve(!live.closed);
    };
    const ok = res.write(text, waitFlush ? settle : undefined);
    if (waitFlush) {
      res.once('close', settle);
    } else if (ok) {
      resolve(true);
    } else {
      res.once('drain', settle);
      res.once('close', settle);
    }
  });
}

function destroy(res: ServerResponse, live: Live): void {
  live.reset = true;
  res.socket?.destroy();
}

function sendJson(res: ServerResponse, live: Live, reply: MockReply & { kind: 'json' }, b: MockBehaviour, extra: Record<string, string>): Promise<void> {
  // Broken JSON: the first half of the real body, which no parser accepts.
  const body = b.malformedAt !== undefined ? reply.body.slice(0, Math.max(1, reply.body.length >> 1)) : reply.body;
  const bytes = Buffer.from(body);
  live.status = reply.status;
  res.writeHead(reply.status, { ...extra, 'content-type': JSON_TYPE, 'content-length': bytes.length });
  const cut = b.resetAfter ?? b.stallAfter;
  if (cut === undefined) {
    res.end(bytes);
    return Promise.resolve();
  }
  const part = bytes.subarray(0, Math.min(cut, bytes.length - 1));
  if (part.length === 0) res.flushHeaders();
  return write(res, live, part, b.resetAfter !== undefined).then((written) => {
    if (written && b.resetAfter !== undefined) destroy(res, live);
  });
}

async function sendStream(res: ServerResponse, live: Live, events: string[], b: MockBehaviour, extra: Record<string, string>): Promise<void> {
  live.status = 200;
  res.writeHead(200, { ...extra, ...SSE_HEADERS });
  const delay = b.tokenDelayMs ?? 0;
  const last = events.length - 1;
  // Without delays, consecutive events go out in one write: the benchmarks measure the gateway, not the mock.
  let batch = '';
  for (let i = 0; i <= last; i++) {
    if (i === b.resetAfter) {
      if (await write(res, live, batch, true)) destroy(res, live);
      return;
    }
    if (i === b.stallAfter) {
      await write(res, live, batch, false);
      if (batch.length === 0) res.flushHeaders();
      return;
    }
    if (i === b.malformedAt) batch += MALFORMED_EVENT;
    batch += events[i];
    if (delay > 0 && i < last) {
      if (!(await write(res, live, batch, false))) return;
      batch = '';
      await sleep(delay);
      if (live.closed) return;
    }
  }
  if (!live.closed) res.end(batch);
}

/** Sends the reply; resolves when written, stalled or cut (never rejects). */
export async function send(res: ServerResponse, live: Live, reply: MockReply, b: MockBehaviour, extra: Record<string, string>): Promise<void> {
  if (b.resetAfter === 0) {
    destroy(res, live);
    return;
  }
  if (b.latencyMs !== undefined && b.latencyMs > 0) {
    await sleep(b.latencyMs);
    if (live.closed) return;
  }
  if (reply.kind === 'json') return sendJson(res, live, reply, b, extra);
  return sendStream(res, live, reply.events, b, extra);
}
