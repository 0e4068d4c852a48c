// OpenAI SSE response filter: chat/legacy completion chunks and Responses API events, told apart
// per event (chunks carry `choices`, Responses events a `type`). See stream.ts for the framing.
import { errorBody, type SluiceError } from '../errors.js';
import type { TokenUsage } from '../types.js';
import { createFieldSet, type MaskingOptions } from './fields.js';
import { createChatChunks } from './openai-chat.js';
import { createResponseEvents } from './openai-responses.js';
import { serializeEvent } from './sse.js';
import { createStreamFilter, parseData, type StreamFilter } from './stream.js';
import { isObj, maskDeep, maskErrorObject } from './walk.js';

export interface OpenAIStreamOptions extends MaskingOptions {
  /** Called with each usage report (the last call is the final count). */
  onUsage: (usage: TokenUsage) => void;
  /** Sluice asked for `stream_options.include_usage` on the client's behalf: drop the usage-only chunk. */
  stripUsage?: boolean;
  /** Largest upstream event held before the stream is ended with an error. */
  maxEventChars?: number;
}

export function createOpenAIStreamFilter(opts: OpenAIStreamOptions): StreamFilter {
  const chat = createChatChunks(opts);
  const responses = createResponseEvents(opts);
  // Events of unknown shape have every string masked one-shot (ids may be touched; text never leaks).
  const other = createFieldSet(opts);
  let mode: 'chat' | 'responses' = 'chat';

  return createStreamFilter(
    {
      event: function openaiEvent(ev, out) {
        if (ev.data.startsWith('[DONE]')) {
          chat.flushAll(out);
          out.push(serializeEvent(ev));
          return;
        }
        const data = parseData(ev);
        if (Array.isArray(data.choices)) return chat.chunk(ev, data, out);
        if (typeof data.type === 'string') {
          mode = 'responses';
          return responses.event(ev, data, out);
        }
        if (isObj(data.error)) maskErrorObject(data.error, other.once);
        else maskDeep(data, other.once);
        out.push(serializeEvent({ ...ev, data: JSON.stringify(data) }));
      },
      finish: function openaiFinish(out) {
        chat.flushAll(out);
        responses.flushAll(out);
      },
      errorEvent: function openaiError(err: SluiceError) {
        if (mode === 'responses') return responses.errorEvent(err);
        return serializeEvent({ data: errorBody(err, 'openai') });
      },
    },
    opts,
  );
}
