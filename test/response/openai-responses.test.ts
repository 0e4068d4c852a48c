import { describe, expect, it } from 'vitest';
import { createOpenAIStreamFilter } from '../../src/response/openai-stream.js';
import type { TokenUsage } from '../../src/types.js';
import { maskOnce, newFakeScanner } from './fake-scanner.js';
import { json, readEvents, run, sseText, twoWaySplits } from './helpers.js';
import { ARGS, CARD, TEXT, responsesEvents } from './streams.js';

describe('OpenAI Responses API stream filter', () => {
  it('masks text deltas split at every point; done events and the final response agree', () => {
    for (const parts of twoWaySplits(TEXT)) {
      const usage: TokenUsage[] = [];
      const f = createOpenAIStreamFilter({ newScanner: () => newFakeScanner(), onUsage: (u) => usage.push(u) });
      const text = run(f, sseText(responsesEvents(parts)), 11);
      expect(text).not.toContain(CARD);
      expect(text).not.toContain('SECRET-abc');
      const events = readEvents(text).map(json);
      const expected = maskOnce(TEXT).out;
      const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
      expect(deltas).toBe(expected);
      expect(events.find((e) => e.type === 'response.output_text.done')?.text).toBe(expected);
      const done = events.findIndex((e) => e.type === 'response.output_text.done');
      expect(events.findLastIndex((e) => e.type === 'response.output_text.delta')).toBeLessThan(done);
      const final = events.at(-1)!;
      expect(final.response.output[0].content[0].text).toBe(expected);
      expect(JSON.parse(final.response.output[1].arguments)).toEqual({ card: '[REDACTED:card]' });
      const argDeltas = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('');
      expect(argDeltas).toBe(maskOnce(ARGS).out);
      expect(usage).toEqual([{ input: 7, output: 20, total: 27 }]);
      const seq = events.map((e) => e.sequence_number);
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
      expect(new Set(seq).size).toBe(seq.length);
    }
  });

  it('keeps event names on every event, including synthesized ones', () => {
    const f = createOpenAIStreamFilter({ newScanner: () => newFakeScanner(), onUsage: () => {} });
    for (const ev of readEvents(run(f, sseText(responsesEvents([TEXT]))))) expect(ev.event).toBe(json(ev).type);
  });

  it('answers failures with a Responses-shaped error event', () => {
    const f = createOpenAIStreamFilter({ newScanner: () => newFakeScanner(), onUsage: () => {} });
    const first = sseText(responsesEvents([TEXT]).slice(0, 3));
    const out = readEvents(run(f, `${first}data: {not json\n\n`));
    const last = out.at(-1)!;
    expect(last.event).toBe('error');
    expect(json(last)).toMatchObject({ type: 'error', code: 'SLUICE_INSPECTION_FAILED', sequence_number: 3, error: { type: 'server_error' } });
  });
});
