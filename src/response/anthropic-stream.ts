// Anthropic Messages SSE filter: one scanner per content block index (`text_delta`,
// `input_json_delta`, `thinking_delta`), flushed by a synthesized delta of the same type just before
// that block's `content_block_stop`. `signature_delta` is opaque and passes untouched.
import { errorBody, type SluiceError } from '../errors.js';
import type { TokenUsage } from '../types.js';
import { createFieldSet, type FieldSet, type MaskingOptions } from './fields.js';
import { serializeEvent, type SseEvent } from './sse.js';
import { createStreamFilter, parseData, type StreamFilter } from './stream.js';
import { anthropicUsage } from './usage.js';
import { isObj, maskAnthropicBlock, maskAnthropicMessage, maskDeep, maskErrorObject } from './walk.js';

export interface AnthropicStreamOptions extends MaskingOptions {
  onUsage: (usage: TokenUsage) => void;
  maxEventChars?: number;
}

type Obj = Record<string, unknown>;

/** Delta type → the field holding its text, and whether that text is JSON source. */
const TEXT_DELTAS = new Map<string, { field: string; json: boolean }>([
  ['text_delta', { field: 'text', json: false }],
  ['input_json_delta', { field: 'partial_json', json: true }],
  ['thinking_delta', { field: 'thinking', json: false }],
]);
/** Opaque deltas that must reach the client byte for byte (thinking signatures are verified upstream). */
const OPAQUE_DELTAS = new Set(['signature_delta']);
const PASS = new Set(['ping', 'message_stop']);

export function createAnthropicStreamFilter(opts: AnthropicStreamOptions): StreamFilter {
  const fields: FieldSet<{ index: unknown; type: string }> = createFieldSet(opts);
  let usage: TokenUsage | undefined;

  function report(u: unknown): void {
    const next = anthropicUsage(u, usage);
    if (next === undefined) return;
    usage = next;
    opts.onUsage(next);
  }

  function release(prefix: string, out: string[]): void {
    for (const f of fields.flush(prefix)) {
      if (f.text === '') continue;
      const spec = TEXT_DELTAS.get(f.meta.type)!;
      const data = { type: 'content_block_delta', index: f.meta.index, delta: { type: f.meta.type, [spec.field]: f.text } };
      out.push(serializeEvent({ event: 'content_block_delta', data: JSON.stringify(data) }));
    }
  }

  function rewrite(ev: SseEvent, data: Obj, out: string[]): void {
    const type = data.type;
    const delta = data.delta;
    const spec = type === 'content_block_delta' && isObj(delta) ? TEXT_DELTAS.get(String(delta.type)) : undefined;
    if (spec !== undefined && isObj(delta)) {
      const text = delta[spec.field];
      if (typeof text === 'string') {
        const s = fields.get(`${String(data.index)}#`, spec.json, { index: data.index, type: String(delta.type) });
        delta[spec.field] = s.push(text);
      }
    } else if (type === 'content_block_delta') {
      // Delta types this filter does not know (citations, future ones) are masked whole, one-shot.
      if (isObj(delta) && !OPAQUE_DELTAS.has(String(delta.type))) maskDeep(delta, fields.once);
    } else if (type === 'content_block_stop') {
      release(`${String(data.index)}#`, out);
    } else if (type === 'message_stop') {
      release('', out);
    } else if (type === 'message_start' && isObj(data.message)) {
      maskAnthropicMessage(data.message, fields.once);
      report(data.message.usage);
    } else if (type === 'content_block_start' && isObj(data.content_block)) {
      maskAnthropicBlock(data.content_block, fields.once);
    } else if (type === 'message_delta') {
      report(data.usage);
    } else if (type === 'error') {
      maskErrorObject(data.error, fields.once);
    } else if (!PASS.has(String(type))) {
      maskDeep(data, fields.once);
    }
    out.push(serializeEvent({ ...ev, data: JSON.stringify(data) }));
  }

  return createStreamFilter(
    {
      event: function anthropicEvent(ev, out) {
        rewrite(ev, parseData(ev), out);
      },
      finish: function anthropicFinish(out) {
        release('', out);
      },
      errorEvent: function anthropicError(err: SluiceError) {
        return serializeEvent({ event: 'error', data: errorBody(err, 'anthropic') });
      },
    },
    opts,
  );
}
