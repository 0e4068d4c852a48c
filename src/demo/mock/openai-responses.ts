// POST /v1/responses: the Response object as JSON, or the named-event stream the openai SDK's
// `responses.stream()` accumulates (created → output_item.added → content_part.added → deltas → … → completed).
import { namedEvent, modelOf, nowSeconds } from './sse.js';
import { ARG_PIECE_CHARS, echo, estimateTokens, replyText, responsesTurn, splitChars, streamDeltas } from './text.js';
import { planToolCall } from './tools.js';
import type { Exchange, MockReply } from './types.js';

type Json = Record<string, unknown>;

function responseObject(x: Exchange, status: string, output: Json[], usage: Json | null): Json {
  return {
    id: `resp_mock_${x.seq}`,
    object: 'response',
    created_at: nowSeconds(),
    status,
    error: null,
    incomplete_details: null,
    instructions: x.json.instructions ?? null,
    max_output_tokens: x.json.max_output_tokens ?? null,
    model: modelOf(x.json, 'gpt-mock'),
    output,
    parallel_tool_calls: true,
    previous_response_id: x.json.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: x.json.tool_choice ?? 'auto',
    tools: x.json.tools ?? [],
    top_p: 1,
    truncation: 'disabled',
    usage,
    metadata: {},
  };
}

function usageOf(input: string, output: string): Json {
  const i = estimateTokens(input);
  const o = estimateTokens(output);
  return {
    input_tokens: i,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: o,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: i + o,
  };
}

export function responses(x: Exchange): MockReply {
  const turn = responsesTurn(x.json);
  const text = replyText(x.behaviour, echo(turn));
  const call = planToolCall(x.json, x.behaviour, text, turn.afterTool);
  const itemId = call ? `fc_mock_${x.seq}` : `msg_mock_${x.seq}`;
  const done: Json = call
    ? { type: 'function_call', id: itemId, call_id: `call_mock_${x.seq}_0`, name: call.name, arguments: call.arguments, status: 'completed' }
    : { type: 'message', id: itemId, status: 'completed', role: 'assistant', content: [outputText(text)] };
  const usage = usageOf(turn.text, call ? call.arguments : text);
  if (x.json.stream !== true) {
    return { kind: 'json', status: 200, body: JSON.stringify(responseObject(x, 'completed', [done], usage)) };
  }
  const events: string[] = [];
  let sequence = 0;
  const emit = (type: string, fields: Json): void => {
    events.push(namedEvent(type, { type, sequence_number: sequence++, ...fields }));
  };
  emit('response.created', { response: responseObject(x, 'in_progress', [], null) });
  emit('response.in_progress', { response: responseObject(x, 'in_progress', [], null) });
  const at = { item_id: itemId, output_index: 0 };
  if (call) {
    emit('response.output_item.added', { output_index: 0, item: { ...done, arguments: '', status: 'in_progress' } });
    for (const piece of splitChars(call.arguments, ARG_PIECE_CHARS)) emit('response.function_call_arguments.delta', { ...at, delta: piece });
    emit('response.function_call_arguments.done', { ...at, name: call.name, arguments: call.arguments });
  } else {
    emit('response.output_item.added', { output_index: 0, item: { ...done, status: 'in_progress', content: [] } });
    emit('response.content_part.added', { ...at, content_index: 0, part: outputText('') });
    const pre = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":`;
    const mid = `,"item_id":"${itemId}","output_index":0,"content_index":0,"delta":`;
    for (const d of streamDeltas(x.behaviour, text)) events.push(`${pre}${sequence++}${mid}${JSON.stringify(d)},"logprobs":[]}\n\n`);
    emit('response.output_text.done', { ...at, content_index: 0, text, logprobs: [] });
    emit('response.content_part.done', { ...at, content_index: 0, part: outputText(text) });
  }
  emit('response.output_item.done', { output_index: 0, item: done });
  emit('response.completed', { response: responseObject(x, 'completed', [done], usage) });
  return { kind: 'sse', events };
}

function outputText(text: string): Json {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}
