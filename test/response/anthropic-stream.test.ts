import { describe, expect, it } from 'vitest';
import { createAnthropicStreamFilter, type AnthropicStreamOptions } from '../../src/response/anthropic-stream.js';
import type { TokenUsage } from '../../src/types.js';
import { maskOnce, newFakeScanner } from './fake-scanner.js';
import { json, readEvents, run, sseText, twoWaySplits } from './helpers.js';
import { ARGS, CARD, TEXT, anthropicEvents } from './streams.js';

function filter(extra: Partial<AnthropicStreamOptions> = {}) {
  const usage: TokenUsage[] = [];
  const f = createAnthropicStreamFilter({ newScanner: () => newFakeScanner(), onUsage: (u) => usage.push(u), ...extra });
  return { f, usage };
}

function blockText(events: Array<Record<string, any>>, index: number, field: string): string {
  return events
    .filter((e) => e.type === 'content_block_delta' && e.index === index)
    .map((e) => e.delta[field])
    .join('');
}

describe('Anthropic stream filter', () => {
  it('masks text_delta split at every point and flushes before content_block_stop', () => {
    for (const parts of [...twoWaySplits(TEXT), [...TEXT]]) {
      const out = run(filter().f, sseText(anthropicEvents(parts)), 13);
      expect(out).not.toContain(CARD);
      expect(out).not.toContain('SECRET-abc');
      const events = readEvents(out);
      for (const ev of events) expect(ev.event).toBe(json(ev).type);
      const data = events.map(json);
      expect(blockText(data, 0, 'text')).toBe(maskOnce(TEXT).out);
      const stop0 = data.findIndex((e) => e.type === 'content_block_stop' && e.index === 0);
      expect(data.findLastIndex((e) => e.type === 'content_block_delta' && e.index === 0)).toBeLessThan(stop0);
    }
  });

  it('masks input_json_delta per block and keeps the JSON valid', () => {
    const data = readEvents(run(filter().f, sseText(anthropicEvents([TEXT])))).map(json);
    const args = blockText(data, 1, 'partial_json');
    expect(args).toBe(maskOnce(ARGS).out);
    expect(JSON.parse(args)).toEqual({ card: '[REDACTED:card]' });
    expect(data.filter((e) => e.type === 'content_block_delta' && e.index === 1).every((e) => e.delta.type === 'input_json_delta')).toBe(true);
  });

  it('passes ping and message_stop through, in order', () => {
    const types = readEvents(run(filter().f, sseText(anthropicEvents([TEXT])))).map((e) => e.event);
    expect(types[2]).toBe('ping');
    expect(types.at(-1)).toBe('message_stop');
    expect(types.at(-2)).toBe('message_delta');
  });

  it('captures usage from message_start and message_delta', () => {
    const { f, usage } = filter();
    run(f, sseText(anthropicEvents([TEXT])));
    expect(usage).toEqual([
      { input: 12, output: 1, total: 13 },
      { input: 12, output: 30, total: 42 },
    ]);
  });

  it('counts cache reads and writes as input, and names the cache reads (priced lower)', () => {
    const { f, usage } = filter();
    const start = { type: 'message_start', message: { id: 'm', content: [], usage: { input_tokens: 3, cache_read_input_tokens: 100, cache_creation_input_tokens: 10, output_tokens: 1 } } };
    run(f, sseText([{ event: 'message_start', data: start }]));
    expect(usage).toEqual([{ input: 113, cachedInput: 100, output: 1, total: 114 }]);
  });

  it('masks thinking deltas and leaves signatures alone', () => {
    const events = [
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: `think ${CARD}` } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'Sig4111111111111111' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    ];
    const data = readEvents(run(filter().f, sseText(events))).map(json);
    expect(blockText(data, 0, 'thinking')).toBe('think [REDACTED:card]');
    expect(data.find((e) => e.delta?.type === 'signature_delta')?.delta.signature).toBe('Sig4111111111111111');
  });

  it('masks delta types it does not know, one-shot', () => {
    const ev = { type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation: { cited_text: `see ${CARD}` } } };
    const out = readEvents(run(filter().f, sseText([{ event: ev.type, data: ev }]))).map(json);
    expect(out[0].delta.citation.cited_text).toBe('see [REDACTED:card]');
  });

  it('ends with an Anthropic error event on malformed JSON', () => {
    const out = readEvents(run(filter().f, `event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"${CARD}\n\n`));
    expect(out).toHaveLength(1);
    expect(out[0].event).toBe('error');
    expect(json(out[0])).toMatchObject({ type: 'error', error: { type: 'api_error', code: 'SLUICE_INSPECTION_FAILED' } });
  });

  it('restores tokens split across text deltas', () => {
    const restore = (t: string) => t.replaceAll('<email_9a1b>', 'ann@example.com');
    for (const parts of twoWaySplits('mail <email_9a1b> now')) {
      const data = readEvents(run(filter({ restore }).f, sseText(anthropicEvents(parts)))).map(json);
      expect(blockText(data, 0, 'text')).toBe('mail ann@example.com now');
    }
  });
});
