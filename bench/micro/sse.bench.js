// Response-inspection micro benchmark: SSE re-framing cost per event, time to first byte, and the
// filter's memory per open stream. Build first: `npx tsc -p tsconfig.build.json`.
// Run: `node --expose-gc bench/micro/sse.bench.js` (add `--quick` for a short run).
import { Bench } from 'tinybench';
import { createSseParser, serializeEvent } from '../../dist/response/sse.js';
import { createOpenAIStreamFilter } from '../../dist/response/openai-stream.js';
import { createAnthropicStreamFilter } from '../../dist/response/anthropic-stream.js';

const quick = process.argv.includes('--quick');
const EVENTS = 200;
const enc = new TextEncoder();

/** A simple JS streaming scanner (16-digit runs, hold-back 20): a stand-in for the WASM engine. */
function jsScanner() {
  let pending = '';
  const re = /\d{16}/g;
  function release(final) {
    const limit = final ? pending.length : pending.length - 20;
    if (limit <= 0) return { out: '', findings: [] };
    let cut = limit;
    re.lastIndex = 0;
    for (let m = re.exec(pending); m !== null && m.index < limit; m = re.exec(pending)) cut = Math.max(cut, m.index + 16);
    const out = pending.slice(0, cut).replace(re, '[REDACTED:card]');
    pending = pending.slice(cut);
    return { out, findings: [] };
  }
  return { push: (t) => ((pending += t), release(false)), end: () => release(true) };
}

/** Passes text straight through: isolates the framing cost from the scanning cost. */
function noopScanner() {
  return { push: (out) => ({ out, findings: [] }), end: () => ({ out: '', findings: [] }) };
}

const words = 'the quick brown fox jumps over a lazy dog 4111111111111111 and then some more'.split(' ');
const token = (i) => `${words[i % words.length]} `;

function openaiStream() {
  const base = { id: 'chatcmpl-abc123', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', system_fingerprint: 'fp_1' };
  const ev = (choice) => `data: ${JSON.stringify({ ...base, choices: [choice] })}\n\n`;
  const chunks = [enc.encode(ev({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }))];
  for (let i = 0; i < EVENTS - 2; i++) chunks.push(enc.encode(ev({ index: 0, delta: { content: token(i) }, logprobs: null, finish_reason: null })));
  chunks.push(enc.encode(ev({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }) + 'data: [DONE]\n\n'));
  return chunks;
}

function anthropicStream() {
  const ev = (data) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
  const chunks = [enc.encode(ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }))];
  for (let i = 0; i < EVENTS - 2; i++) chunks.push(enc.encode(ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: token(i) } })));
  chunks.push(enc.encode(ev({ type: 'content_block_stop', index: 0 })));
  return chunks;
}

const oa = openaiStream();
const an = anthropicStream();
const dec = new TextDecoder();
const onUsage = () => {};
const vault = new Map([['<card_7f3a9c>', '5500000000000004']]);
const restore = (t) => t.replace(/<[A-Za-z0-9_]+>/g, (k) => vault.get(k) ?? k);

function drain(filter, chunks) {
  let n = 0;
  for (const c of chunks) for (const b of filter.push(c)) n += b.byteLength;
  for (const b of filter.end()) n += b.byteLength;
  return n;
}

const bench = new Bench({ time: quick ? 300 : 1500, warmup: true });
bench
  .add('baseline: decode + JSON.parse/stringify + encode', () => {
    for (const c of oa) {
      const t = dec.decode(c);
      if (!t.startsWith('data: {')) continue;
      enc.encode(`data: ${JSON.stringify(JSON.parse(t.slice(6, t.indexOf('\n'))))}\n\n`);
    }
  })
  .add('sse parse + serialize only', () => {
    const p = createSseParser();
    for (const c of oa) for (const ev of p.push(c)) enc.encode(serializeEvent(ev));
  })
  .add('openai filter, no-op scanner', () => drain(createOpenAIStreamFilter({ newScanner: noopScanner, onUsage }), oa))
  .add('openai filter, JS scanner', () => drain(createOpenAIStreamFilter({ newScanner: jsScanner, onUsage }), oa))
  .add('openai filter, JS scanner + restore', () => drain(createOpenAIStreamFilter({ newScanner: jsScanner, onUsage, restore }), oa))
  .add('anthropic filter, JS scanner', () => drain(createAnthropicStreamFilter({ newScanner: jsScanner, onUsage }), an));

await bench.run();

const rows = bench.tasks.map((t) => {
  const r = t.result;
  const usPerEvent = (r.latency.mean * 1000) / EVENTS;
  return {
    task: t.name,
    'events/s': Math.round(1e6 / usPerEvent).toLocaleString('en-US'),
    'µs/event (mean)': usPerEvent.toFixed(2),
    'µs/event (p99 of batches)': ((r.latency.p99 * 1000) / EVENTS).toFixed(2),
    batches: r.latency.samplesCount,
  };
});
console.log(`\nSSE re-framing, ${EVENTS} events per batch (one event per upstream chunk)`);
console.table(rows);

// Time to first byte: a fresh filter and the first two upstream events (role chunk + first token).
const first = [oa[0], oa[1]];
const ttfb = [];
for (let i = 0; i < (quick ? 2000 : 20000); i++) {
  const t0 = process.hrtime.bigint();
  const f = createOpenAIStreamFilter({ newScanner: jsScanner, onUsage });
  f.push(first[0]);
  f.push(first[1]);
  ttfb.push(Number(process.hrtime.bigint() - t0) / 1000);
}
ttfb.sort((a, b) => a - b);
const pct = (p) => ttfb[Math.min(ttfb.length - 1, Math.ceil((p / 100) * ttfb.length) - 1)].toFixed(1);
console.log(`first-byte cost (new filter + 2 events), µs: p50 ${pct(50)}  p99 ${pct(99)}  max ${ttfb.at(-1).toFixed(1)}`);

// Memory per open stream: 1,000 filters each mid-way through a response (scanner holding back text).
if (typeof globalThis.gc === 'function') {
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const open = [];
  for (let i = 0; i < 1000; i++) {
    const f = createOpenAIStreamFilter({ newScanner: jsScanner, onUsage });
    for (let j = 0; j < 20; j++) f.push(oa[j]);
    open.push(f);
  }
  globalThis.gc();
  const per = (process.memoryUsage().heapUsed - before) / open.length;
  console.log(`heap per open stream (filter + JS scanner, 1,000 streams): ${(per / 1024).toFixed(2)} KiB`);
} else {
  console.log('heap per open stream: run with node --expose-gc to measure');
}
