import { describe, expect, it } from 'vitest';
import { createOpenAIStreamFilter, type OpenAIStreamOptions } from '../../src/response/openai-stream.js';
import type { TokenUsage } from '../../src/types.js';
import { maskOnce, newFakeScanner } from './fake-scanner.js';
import { json, readEvents, run, sseText, twoWaySplits, type OutEvent } from './helpers.js';

const CARD = '4111111111111111';
const KEY = 'SECRET-k3y_X';
const TEXT = `Card ${CARD}, key ${KEY} and more text here.`;
const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-x' };

function filter(extra: Partial<OpenAIStreamOptions> = {}) {
  const usage: TokenUsage[] = [];
  const f = createOpenAIStreamFilter({ newScanner: () => newFakeScanner(), onUsage: (u) => usage.push(u), ...extra });
  return { f, usage };
}

function chunk(choices: unknown[], extra: Record<string, unknown> = {}) {
  return { data: { ...base, choices, ...extra } };
}

function contentEvents(deltas: string[], idx = 0) {
  return [
    chunk([{ index: idx, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ...deltas.map((d) => chunk([{ index: idx, delta: { content: d }, finish_reason: null }])),
    chunk([{ index: idx, delta: {}, finish_reason: 'stop' }]),
  ];
}

/** Concatenates a field of `delta` for one choice over all output chunks. */
function collect(events: OutEvent[], idx: number, pick: (delta: any) => unknown): string {
  let s = '';
  for (const ev of events) {
    if (ev.data === '[DONE]') continue;
    for (const c of json(ev).choices ?? []) {
      if (c.index !== idx || c.delta === undefined) continue;
      const v = pick(c.delta);
      if (typeof v === 'string') s += v;
    }
  }
  return s;
}

describe('OpenAI chat stream filter', () => {
  it('masks a planted value split at every point, with the SSE bytes cut in 5-byte chunks', () => {
    for (const parts of [...twoWaySplits(TEXT), [...TEXT]]) {
      const out = run(filter().f, sseText([...contentEvents(parts), { data: '[DONE]' }]), 5);
      expect(out).not.toContain(CARD);
      expect(out).not.toContain(KEY);
      const events = readEvents(out);
      expect(collect(events, 0, (d) => d.content)).toBe(maskOnce(TEXT).out);
      expect(events.at(-1)?.data).toBe('[DONE]');
      const finish = events.findIndex((e) => e.data !== '[DONE]' && json(e).choices[0]?.finish_reason === 'stop');
      const lastText = events.findLastIndex((e) => e.data !== '[DONE]' && (json(e).choices[0]?.delta?.content ?? '') !== '');
      expect(lastText).toBeLessThan(finish);
    }
  });

  it('gives the same client text for CRLF framing and multibyte text cut at every byte', () => {
    const text = `héllo 😀 ${CARD} — ok`;
    const bytes = new TextEncoder().encode(sseText([...contentEvents(text.match(/.{1,6}/gsu)!), { data: '[DONE]' }], '\r\n'));
    const expected = maskOnce(text).out;
    for (let i = 1; i < bytes.length; i++) {
      const out = readEvents(run(filter().f, [bytes.subarray(0, i), bytes.subarray(i)]));
      expect(collect(out, 0, (d) => d.content)).toBe(expected);
    }
    const single = readEvents(run(filter().f, Array.from(bytes, (b) => Uint8Array.of(b))));
    expect(collect(single, 0, (d) => d.content)).toBe(expected);
  });

  it('keeps the SSE id and retry fields of rewritten events', () => {
    const out = run(filter().f, `id: 5\nretry: 3000\ndata: ${JSON.stringify(chunk([{ index: 0, delta: { content: 'x' } }]).data)}\n\n`);
    expect(out.startsWith('id: 5\nretry: 3000\ndata: ')).toBe(true);
  });

  it('keeps id, model and created on synthesized chunks', () => {
    const out = readEvents(run(filter().f, sseText(contentEvents([TEXT]))));
    for (const ev of out) expect(json(ev)).toMatchObject(base);
  });

  it('keeps several choices apart', () => {
    const a = `A ${CARD} a`;
    const b = `B ${KEY}${CARD} b`;
    const events = [];
    for (let i = 0; i < Math.max(a.length, b.length); i += 3) {
      events.push(chunk([{ index: 0, delta: { content: a.slice(i, i + 3) }, finish_reason: null }]));
      events.push(chunk([{ index: 1, delta: { content: b.slice(i, i + 3) }, finish_reason: null }]));
    }
    events.push(chunk([{ index: 1, delta: {}, finish_reason: 'stop' }]));
    events.push(chunk([{ index: 0, delta: {}, finish_reason: 'length' }]));
    const out = readEvents(run(filter().f, sseText([...events, { data: '[DONE]' }])));
    expect(collect(out, 0, (d) => d.content)).toBe(maskOnce(a).out);
    expect(collect(out, 1, (d) => d.content)).toBe(maskOnce(b).out);
  });

  it('masks tool-call argument deltas per tool call and keeps them valid JSON', () => {
    const args0 = JSON.stringify({ card: CARD, note: 'pay now' });
    const args1 = JSON.stringify({ key: KEY });
    const events = [
      chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'pay', arguments: '' } }] }, finish_reason: null }]),
      ...[...args0].map((c) => chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: c } }] }, finish_reason: null }])),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'store', arguments: args1.slice(0, 9) } }] }, finish_reason: null }]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: args1.slice(9) } }] }, finish_reason: null }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
      { data: '[DONE]' },
    ];
    const text = run(filter().f, sseText(events), 7);
    expect(text).not.toContain(CARD);
    const out = readEvents(text);
    const argsOf = (n: number) => collect(out, 0, (d) => d.tool_calls?.find((t: any) => t.index === n)?.function?.arguments);
    expect(argsOf(0)).toBe(maskOnce(args0).out);
    expect(argsOf(1)).toBe(maskOnce(args1).out);
    expect(JSON.parse(argsOf(0))).toEqual({ card: '[REDACTED:card]', note: 'pay now' });
  });

  it('releases held text before [DONE] when no finish_reason came', () => {
    const out = readEvents(run(filter().f, sseText([chunk([{ index: 0, delta: { content: `x ${CARD}` } }]), { data: '[DONE]' }])));
    expect(collect(out, 0, (d) => d.content)).toBe('x [REDACTED:card]');
    expect(out.at(-1)?.data).toBe('[DONE]');
  });

  it('releases held text at end of stream when the upstream sent no [DONE]', () => {
    const out = readEvents(run(filter().f, sseText([chunk([{ index: 0, delta: { content: 'short' } }])])));
    expect(collect(out, 0, (d) => d.content)).toBe('short');
  });

  it('masks legacy completion text', () => {
    const events = [...'a 4111111111111111 b'].map((c) => ({ data: { id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text: c, logprobs: null, finish_reason: null as string | null }] } }));
    events.push({ data: { id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }] } });
    const out = readEvents(run(filter().f, sseText(events)));
    expect(out.map((e) => json(e).choices[0].text).join('')).toBe('a [REDACTED:card] b');
  });

  it('drops log-probabilities, which repeat raw tokens', () => {
    const events = [chunk([{ index: 0, delta: { content: CARD }, logprobs: { content: [{ token: CARD, logprob: 0 }] }, finish_reason: 'stop' }])];
    const text = run(filter().f, sseText(events));
    expect(text).not.toContain(CARD);
  });

  it('ends the stream with an error event on malformed JSON and leaks nothing of it', () => {
    const { f } = filter();
    const good = sseText([chunk([{ index: 0, delta: { content: 'hello there, this is fine text' } }])]);
    const bad = `data: {"choices":[{"delta":{"content":"${CARD}"\n\n`;
    const out = run(f, good + bad);
    expect(out).not.toContain(CARD);
    const events = readEvents(out);
    expect(json(events.at(-1)!).error).toMatchObject({ code: 'SLUICE_INSPECTION_FAILED', type: 'server_error' });
    expect(collect(events.slice(0, -1), 0, (d) => d.content)).toBe('hello there'.slice(0, 10));
    expect(f.closed).toBe(true);
    expect(f.push(new TextEncoder().encode(good))).toEqual([]);
  });

  it('ends the stream with an error event when one event exceeds maxEventChars', () => {
    const { f } = filter({ maxEventChars: 1000 });
    const out = run(f, sseText([chunk([{ index: 0, delta: { content: `${'z'.repeat(1200)} ${CARD}` } }])]), 100);
    expect(out).not.toContain(CARD);
    expect(out).not.toContain('zzz');
    expect(json(readEvents(out).at(-1)!).error.code).toBe('SLUICE_INSPECTION_FAILED');
  });

  it('on upstream error drops held text and sends an error event once', () => {
    const { f } = filter();
    const first = f.push(new TextEncoder().encode(sseText([chunk([{ index: 0, delta: { content: `ok ${CARD.slice(0, 8)}` } }])])));
    const err = f.error(new Error('socket hang up'));
    const text = new TextDecoder().decode(Buffer.concat([...first, ...err]));
    expect(text).not.toContain('41111111');
    expect(json(readEvents(text).at(-1)!).error.code).toBe('SLUICE_UPSTREAM_RESET');
    expect(f.error()).toEqual([]);
    expect(f.end()).toEqual([]);
  });

  it('streams 10,000 tiny deltas', () => {
    let text = '';
    for (let i = 0; text.length < 10_000; i++) text += i % 50 === 0 ? ` ${CARD} ` : 'ab cd ';
    text = text.slice(0, 10_000);
    const out = run(filter().f, sseText([...contentEvents([...text]), { data: '[DONE]' }]));
    expect(out).not.toContain(CARD);
    expect(collect(readEvents(out), 0, (d) => d.content)).toBe(maskOnce(text).out);
  });

  it.each([
    { strip: true, usageChunk: false },
    { strip: false, usageChunk: true },
  ])('captures usage (stripUsage: $strip)', ({ strip, usageChunk }) => {
    const { f, usage } = filter({ stripUsage: strip });
    const events = [
      chunk([{ index: 0, delta: { content: 'hi' }, finish_reason: null }], { usage: null }),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], { usage: null }),
      chunk([], { usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }),
      { data: '[DONE]' },
    ];
    const out = readEvents(run(f, sseText(events)));
    expect(usage).toEqual([{ input: 10, output: 5, total: 15 }]);
    expect(out.some((e) => e.data !== '[DONE]' && json(e).choices.length === 0)).toBe(usageChunk);
    expect(out.some((e) => e.data.includes('"usage"'))).toBe(!strip);
  });

  it('restores Sluice tokens split across deltas, after masking', () => {
    const vault: Record<string, string> = { '<card_7f3a9c>': '5500 0000 0000 0004' };
    const restore = (t: string) => t.replace(/<[a-z_]+[0-9a-f]+>/g, (tok) => vault[tok] ?? tok);
    const text = `pay <card_7f3a9c> not ${CARD} nor <card_000000>`;
    for (const parts of twoWaySplits(text)) {
      const masked: string[] = [];
      const { f } = filter({ restore, onText: (m) => masked.push(m) });
      const out = readEvents(run(f, sseText(contentEvents(parts))));
      expect(collect(out, 0, (d) => d.content)).toBe('pay 5500 0000 0000 0004 not [REDACTED:card] nor <card_000000>');
      // The audit tap sees masked text, never the restored original.
      expect(masked.join('')).toBe(maskOnce(text).out);
    }
  });

  it('masks every string of events with an unknown shape', () => {
    const out = readEvents(run(filter().f, sseText([{ data: { object: 'something.new', note: `n ${CARD}` } }])));
    expect(json(out[0])).toEqual({ object: 'something.new', note: 'n [REDACTED:card]' });
  });

  it('passes comments through and reports findings', () => {
    const findings: string[] = [];
    const out = run(filter({ onFindings: (fs) => findings.push(...fs.map((x) => x.type)) }).f, `: keep-alive\n\n${sseText(contentEvents([TEXT]))}`);
    expect(out.startsWith(': keep-alive\n\n')).toBe(true);
    expect(findings).toEqual(['card', 'secret']);
  });
});
