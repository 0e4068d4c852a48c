// OpenAI Responses API events. `*.delta` text goes through one scanner per (event family, item,
// part); the matching `*.done` event first gets a synthesized `*.delta` with the held-back rest,
// then its full text is masked one-shot (equal to the concatenated masked deltas). Objects that
// repeat the text (`item`, `part`, `response`) are masked with the same walkers as JSON bodies.
// Synthesized events shift every later `sequence_number` by one so numbers stay unique and ordered.
import type { TokenUsage } from '../types.js';
import type { SluiceError } from '../errors.js';
import { errorBody } from '../errors.js';
import { createFieldSet, type FieldSet, type MaskingOptions } from './fields.js';
import { serializeEvent, type SseEvent } from './sse.js';
import { openaiUsage } from './usage.js';
import { isObj, maskErrorObject, maskResponseItem, maskResponseObject, maskResponsePart, type MaskFn } from './walk.js';

type Obj = Record<string, unknown>;

/** Identifies the delta stream an event belongs to; re-used verbatim on synthesized deltas. */
interface DeltaSlot {
  family: string;
  ids: Obj;
}

/** Deltas that are not text (base64 audio) must not be touched. */
const OPAQUE_DELTAS = new Set(['response.audio.delta']);
/** Families whose text is JSON source (escape restored values). */
const JSON_FAMILIES = new Set(['response.function_call_arguments', 'response.mcp_call_arguments']);
const DONE_TEXT_FIELDS = ['text', 'arguments', 'refusal', 'transcript'];
const ID_FIELDS = ['item_id', 'output_index', 'content_index', 'summary_index'];
/** Events after which no more deltas come: anything still held is released before them. */
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export interface ResponseEvents {
  event(ev: SseEvent, data: Obj, out: string[]): void;
  flushAll(out: string[]): void;
  errorEvent(err: SluiceError): string;
}

export function createResponseEvents(opts: MaskingOptions & { onUsage: (u: TokenUsage) => void }): ResponseEvents {
  const fields: FieldSet<DeltaSlot> = createFieldSet<DeltaSlot>(opts);
  const once: MaskFn = fields.once;
  let shift = 0;
  let lastSeq = -1;

  function slotOf(family: string, data: Obj): { key: string; slot: DeltaSlot } {
    const ids: Obj = {};
    let key = family;
    for (const f of ID_FIELDS) {
      if (data[f] === undefined) continue;
      ids[f] = data[f];
      key += `|${String(data[f])}`;
    }
    return { key: `${key}#`, slot: { family, ids } };
  }

  function nextSeq(): number {
    shift++;
    return ++lastSeq;
  }

  function synthesizedDelta(slot: DeltaSlot, text: string): string {
    const data = { type: `${slot.family}.delta`, ...slot.ids, delta: text, sequence_number: nextSeq() };
    return serializeEvent({ event: data.type, data: JSON.stringify(data) });
  }

  function renumber(data: Obj): void {
    if (typeof data.sequence_number !== 'number') return;
    data.sequence_number += shift;
    lastSeq = data.sequence_number as number;
  }

  function maskObjects(data: Obj): void {
    if (isObj(data.item)) maskResponseItem(data.item, once);
    if (isObj(data.part)) maskResponsePart(once)(data.part);
    if (isObj(data.response)) {
      maskResponseObject(data.response, once);
      maskErrorObject(data.response.error, once);
      const u = openaiUsage(data.response.usage);
      if (u !== undefined) opts.onUsage(u);
    }
    if (data.type === 'error') maskErrorObject(data, once);
  }

  return {
    event: function rewriteResponseEvent(ev, data, out) {
      const type = String(data.type);
      if (type.endsWith('.delta') && typeof data.delta === 'string' && !OPAQUE_DELTAS.has(type)) {
        const family = type.slice(0, -6);
        const { key, slot } = slotOf(family, data);
        data.delta = fields.get(key, JSON_FAMILIES.has(family), slot).push(data.delta);
        if (Array.isArray(data.logprobs)) data.logprobs = [];
      } else if (type.endsWith('.done')) {
        const family = type.slice(0, -5);
        for (const f of fields.flush(slotOf(family, data).key)) {
          if (f.text !== '') out.push(synthesizedDelta(f.meta, f.text));
        }
        const json = JSON_FAMILIES.has(family);
        for (const k of DONE_TEXT_FIELDS) if (typeof data[k] === 'string') data[k] = once(data[k] as string, json);
        if (Array.isArray(data.logprobs)) data.logprobs = [];
      } else if (TERMINAL.has(type)) {
        for (const f of fields.flush('')) if (f.text !== '') out.push(synthesizedDelta(f.meta, f.text));
      }
      maskObjects(data);
      renumber(data);
      out.push(serializeEvent({ ...ev, data: JSON.stringify(data) }));
    },
    flushAll: function flushAllResponses(out) {
      for (const f of fields.flush('')) if (f.text !== '') out.push(synthesizedDelta(f.meta, f.text));
    },
    errorEvent: function responsesError(err) {
      const body = JSON.parse(errorBody(err, 'openai')) as Obj;
      const data = { type: 'error', code: err.code, message: err.message, param: null, sequence_number: lastSeq + 1, ...body };
      return serializeEvent({ event: 'error', data: JSON.stringify(data) });
    },
  };
}
