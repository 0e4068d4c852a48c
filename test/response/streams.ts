// Upstream stream fixtures shared by the filter tests and the SDK tests.
export const CARD = '4111111111111111';
export const TEXT = `Your card ${CARD} is on file, SECRET-abc too.`;
export const ARGS = JSON.stringify({ card: CARD });

/** A Responses API stream: one message (text split as given) and one function call. */
export function responsesEvents(parts: string[], args = ARGS) {
  const msg = { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: TEXT, annotations: [] }] };
  const fn = { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'pay', arguments: args, status: 'completed' };
  const resp = (status: string, output: unknown[], usage: unknown) => ({ id: 'resp_1', object: 'response', created_at: 1, model: 'gpt-x', status, output, usage });
  const raw: Array<Record<string, unknown>> = [
    { type: 'response.created', response: resp('in_progress', [], null) },
    { type: 'response.output_item.added', output_index: 0, item: { ...msg, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
    ...parts.map((delta) => ({ type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta, logprobs: [] })),
    { type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text: TEXT, logprobs: [] },
    { type: 'response.content_part.done', item_id: 'msg_1', output_index: 0, content_index: 0, part: msg.content[0] },
    { type: 'response.output_item.done', output_index: 0, item: msg },
    { type: 'response.output_item.added', output_index: 1, item: { ...fn, arguments: '', status: 'in_progress' } },
    ...[...args].map((delta) => ({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta })),
    { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 1, arguments: args },
    { type: 'response.output_item.done', output_index: 1, item: fn },
    { type: 'response.completed', response: resp('completed', [msg, fn], { input_tokens: 7, output_tokens: 20, total_tokens: 27 }) },
  ];
  return raw.map((data, i) => ({ event: data.type as string, data: { ...data, sequence_number: i } }));
}


/** An Anthropic Messages stream: a text block split as given, then a tool_use block with the JSON split per character. */
export function anthropicEvents(parts: string[], json = ARGS) {
  const raw: Array<Record<string, unknown>> = [
    { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    ...parts.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'pay', input: {} } },
    ...[...json].map((partial_json) => ({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json } })),
    { type: 'content_block_stop', index: 1 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } },
    { type: 'message_stop' },
  ];
  return raw.map((data) => ({ event: data.type as string, data }));
}
