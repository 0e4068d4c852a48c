// Streaming latency: for SSE chat streams, time to the first body byte (TTFB), to the first byte of the
// first content delta (TTFT), and the gaps between content deltas (inter-token delay).
import { CHAT_PATH } from './client.js';
import { summarize } from './stats.js';

/** Incremental SSE reader: feed chunks, get called once per `data:` payload that carries delta text. */
export function createContentDetector(onContent) {
  let buf = '';
  return function feed(chunk, at) {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '' || data === '[DONE]') continue;
      if (hasContent(data)) onContent(at);
    }
  };
}

/** OpenAI chunk with non-empty `choices[].delta.content`, or Anthropic `content_block_delta` text. */
export function hasContent(data) {
  let ev;
  try {
    ev = JSON.parse(data);
  } catch {
    return false;
  }
  const choice = ev?.choices?.[0];
  if (typeof choice?.delta?.content === 'string' && choice.delta.content !== '') return true;
  return ev?.type === 'content_block_delta' && typeof ev.delta?.text === 'string' && ev.delta.text !== '';
}

/** One stream; resolves to its timings in ms (null fields when the stream failed before them). */
export async function timeStream(pool, target, body, headers = {}) {
  const t0 = performance.now();
  const out = { ok: false, status: 0, ttfb: null, ttft: null, gaps: [], events: 0 };
  let last = null;
  const feed = createContentDetector(function onContent(at) {
    out.events++;
    if (out.ttft === null) out.ttft = at - t0;
    else out.gaps.push(at - last);
    last = at;
  });
  try {
    const res = await pool.request({
      method: 'POST',
      path: CHAT_PATH,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...target.headers, ...headers },
      body,
    });
    out.status = res.statusCode;
    res.body.setEncoding('utf8');
    for await (const chunk of res.body) {
      const at = performance.now();
      if (out.ttfb === null) out.ttfb = at - t0;
      feed(chunk, at);
    }
    out.ok = res.statusCode >= 200 && res.statusCode < 300 && out.events > 0;
  } catch {
    out.ok = false;
  }
  return out;
}

/** `streams` streams, `concurrency` at a time; summaries of TTFB, TTFT and inter-token gaps. */
export async function runStreaming({ pool, target, body, streams, concurrency, tokenDelayMs }) {
  const headers = { 'x-mock-token-delay-ms': String(tokenDelayMs) };
  const ttfb = [];
  const ttft = [];
  const gaps = [];
  let failed = 0;
  let next = 0;
  async function worker() {
    while (next++ < streams) {
      const r = await timeStream(pool, target, body, headers);
      if (!r.ok) {
        failed++;
        continue;
      }
      ttfb.push(r.ttfb);
      ttft.push(r.ttft);
      gaps.push(...r.gaps);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { streams, failed, tokenDelayMs, ttfb: summarize(ttfb), ttft: summarize(ttft), interToken: summarize(gaps) };
}
