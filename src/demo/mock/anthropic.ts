// POST /v1/messages (JSON and the event stream the Anthropic SDK's MessageStream accumulates) and
// POST /v1/messages/count_tokens.
import { namedEvent, modelOf } from './sse.js';
import { ARG_PIECE_CHARS, contentText, echo, estimateTokens, messagesTurn, replyText, splitChars, streamDeltas } from './text.js';
import { planToolCall } from './tools.js';
import type { Exchange, MockReply } from './types.js';

type Json = Record<string, unknown>;

function promptText(json: Json): string {
  let text = typeof json.system === 'string' ? json.system : contentText(json.system);
  if (Array.isArray(json.messages)) for (const m of json.messages as Json[]) text += contentText(m?.content);
  return text;
}

export function messages(x: Exchange): MockReply {
  const turn = messagesTurn(x.json);
  const text = replyText(x.behaviour, echo(turn));
  const call = planToolCall(x.json, x.behaviour, text, turn.afterTool);
  const toolUseId = `toolu_mock_${x.seq}`;
  const inputTokens = estimateTokens(promptText(x.json));
  const outputTokens = estimateTokens(text) + (call ? estimateTokens(call.arguments) : 0);
  const stopReason = call ? 'tool_use' : 'end_turn';
  const base = { id: `msg_mock_${x.seq}`, type: 'message', role: 'assistant', model: modelOf(x.json, 'claude-mock') };
  // With tools, Claude usually says something before calling: a text block, then the tool_use block.
  const content: Json[] = [{ type: 'text', text }];
  if (call) content.push({ type: 'tool_use', id: toolUseId, name: call.name, input: JSON.parse(call.arguments) });
  if (x.json.stream !== true) {
    const usage = { input_tokens: inputTokens, output_tokens: outputTokens };
    const body = { ...base, content, stop_reason: stopReason, stop_sequence: null, usage };
    return { kind: 'json', status: 200, body: JSON.stringify(body) };
  }
  const events: string[] = [];
  const emit = (type: string, fields: Json): void => {
    events.push(namedEvent(type, { type, ...fields }));
  };
  const startUsage = { input_tokens: inputTokens, output_tokens: 1 };
  emit('message_start', { message: { ...base, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } });
  emit('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  emit('ping', {});
  const pre = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":';
  for (const d of streamDeltas(x.behaviour, text)) events.push(`${pre}${JSON.stringify(d)}}}\n\n`);
  emit('content_block_stop', { index: 0 });
  if (call) {
    emit('content_block_start', { index: 1, content_block: { type: 'tool_use', id: toolUseId, name: call.name, input: {} } });
    for (const piece of splitChars(call.arguments, ARG_PIECE_CHARS)) {
      emit('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    emit('content_block_stop', { index: 1 });
  }
  emit('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
  emit('message_stop', {});
  return { kind: 'sse', events };
}

export function countTokens(x: Exchange): MockReply {
  return { kind: 'json', status: 200, body: JSON.stringify({ input_tokens: estimateTokens(promptText(x.json)) }) };
}
