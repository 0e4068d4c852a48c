// OpenAI chat-completion (and legacy completion) chunks: one scanner per (choice, field).
// Text a scanner still holds when its choice finishes is released in a synthesized chunk with the
// same id/model/created placed just before the finishing chunk, so every client sees it before
// `finish_reason`; whatever is left at `[DONE]` or end of stream goes out the same way.
import type { TokenUsage } from '../types.js';
import { createFieldSet, type FieldSet, type Flushed, type MaskingOptions } from './fields.js';
import { serializeEvent, type SseEvent } from './sse.js';
import { openaiUsage } from './usage.js';
import { isObj } from './walk.js';

type Obj = Record<string, unknown>;

/** What a flushed remainder belongs to: a delta string field, a tool call, a legacy function call, or completion text. */
type Slot =
  | { idx: number; kind: 'field'; name: string }
  | { idx: number; kind: 'tool'; n: number }
  | { idx: number; kind: 'fn' }
  | { idx: number; kind: 'text' };

export interface ChatChunks {
  chunk(ev: SseEvent, chunk: Obj, out: string[]): void;
  /** Before `[DONE]` / at end of stream: release everything still held. */
  flushAll(out: string[]): void;
}

export function createChatChunks(
  opts: MaskingOptions & { onUsage: (u: TokenUsage) => void; stripUsage?: boolean },
): ChatChunks {
  const fields: FieldSet<Slot> = createFieldSet<Slot>(opts);
  // The latest upstream chunk: synthesized chunks copy its id/model/created (built only when needed).
  let last: Obj = { object: 'chat.completion.chunk' };

  function scanDelta(idx: number, delta: Obj): void {
    for (const name of Object.keys(delta)) {
      const v = delta[name];
      if (typeof v === 'string') {
        if (name !== 'role') delta[name] = fields.get(`${idx}:c:${name}`, false, { idx, kind: 'field', name }).push(v);
      } else if (name === 'tool_calls' && Array.isArray(v)) {
        v.forEach(function scanToolCall(tc: unknown, pos) {
          if (!isObj(tc) || !isObj(tc.function) || typeof tc.function.arguments !== 'string') return;
          const n = typeof tc.index === 'number' ? tc.index : pos;
          const s = fields.get(`${idx}:t:${n}`, true, { idx, kind: 'tool', n });
          tc.function.arguments = s.push(tc.function.arguments);
        });
      } else if (name === 'function_call' && isObj(v) && typeof v.arguments === 'string') {
        v.arguments = fields.get(`${idx}:f`, true, { idx, kind: 'fn' }).push(v.arguments);
      }
    }
  }

  function append(o: Obj, key: string, text: string): void {
    o[key] = (typeof o[key] === 'string' ? o[key] : '') + text;
  }

  /** Adds released remainders to a choice (its `delta`, or `text` for legacy completions). */
  function merge(choice: Obj, flushed: Array<Flushed<Slot>>): void {
    for (const { meta, text } of flushed) {
      if (text === '') continue;
      if (meta.kind === 'text') {
        append(choice, 'text', text);
        continue;
      }
      const delta = isObj(choice.delta) ? choice.delta : (choice.delta = {});
      if (meta.kind === 'field') append(delta, meta.name, text);
      else if (meta.kind === 'fn') append(isObj(delta.function_call) ? delta.function_call : (delta.function_call = {}), 'arguments', text);
      else {
        const calls = Array.isArray(delta.tool_calls) ? (delta.tool_calls as unknown[]) : (delta.tool_calls = []);
        let call = calls.find((c): c is Obj => isObj(c) && c.index === meta.n);
        if (call === undefined) calls.push((call = { index: meta.n, function: {} }));
        append(isObj(call.function) ? call.function : (call.function = {}), 'arguments', text);
      }
    }
  }

  function synthesized(choices: Obj[]): string {
    const { choices: _c, usage: _u, ...template } = last;
    return serializeEvent({ data: JSON.stringify({ ...template, choices }) });
  }

  /** A choice is finishing: move its (scanned) delta plus every remainder into a chunk of its own. */
  function finishChoice(idx: number, choice: Obj): Obj | undefined {
    const flushed = fields.flush(`${idx}:`);
    if (!flushed.some((f) => f.text !== '')) return undefined;
    const moved: Obj = { index: idx };
    if (isObj(choice.delta)) {
      moved.delta = choice.delta;
      choice.delta = {};
    }
    if (typeof choice.text === 'string') {
      moved.text = choice.text;
      choice.text = '';
    }
    merge(moved, flushed);
    moved.logprobs = null;
    moved.finish_reason = null;
    return moved;
  }

  return {
    chunk: function rewriteChunk(ev, chunk, out) {
      const { choices, usage } = chunk;
      last = chunk;
      const early: Obj[] = [];
      (choices as unknown[]).forEach(function scanChoice(c, pos) {
        if (!isObj(c)) return;
        const idx = typeof c.index === 'number' ? c.index : pos;
        if (isObj(c.delta)) scanDelta(idx, c.delta);
        if (typeof c.text === 'string') c.text = fields.get(`${idx}:x`, false, { idx, kind: 'text' }).push(c.text);
        // Log-probabilities repeat the raw tokens and cannot be masked consistently: drop them.
        if (c.logprobs != null) c.logprobs = null;
        if (c.finish_reason != null) {
          const moved = finishChoice(idx, c);
          if (moved !== undefined) early.push(moved);
        }
      });
      if (early.length > 0) out.push(synthesized(early));
      if (usage != null) {
        const u = openaiUsage(usage);
        if (u !== undefined) opts.onUsage(u);
        // The client did not ask for usage (Sluice did): drop the usage-only chunk.
        if (opts.stripUsage && (choices as unknown[]).length === 0) return;
      }
      if (opts.stripUsage) delete chunk.usage;
      out.push(serializeEvent({ ...ev, data: JSON.stringify(chunk) }));
    },
    flushAll: function flushAllChoices(out) {
      if (fields.size === 0) return;
      const byChoice = new Map<number, Obj>();
      for (const f of fields.flush('')) {
        if (f.text === '') continue;
        let c = byChoice.get(f.meta.idx);
        if (c === undefined) byChoice.set(f.meta.idx, (c = { index: f.meta.idx }));
        merge(c, [f]);
      }
      const choices = [...byChoice.values()].map((c) => ({ ...c, logprobs: null, finish_reason: null }));
      if (choices.length > 0) out.push(synthesized(choices));
    },
  };
}
