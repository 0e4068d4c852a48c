// POST /v1/chat/completions: JSON and SSE (`chat.completion.chunk`), n choices, tool calls, include_usage.
import { DONE, dataEvent, modelOf, nowSeconds } from './sse.js';
import { ARG_PIECE_CHARS, echo, estimateTokens, messagesTurn, replyText, splitChars, streamDeltas } from './text.js';
import { planToolCall, type ToolCall } from './tools.js';
import type { Exchange, MockReply } from './types.js';

const MAX_CHOICES = 128;

interface Plan {
  id: string;
  created: number;
  model: string;
  n: number;
  text: string;
  call: ToolCall | undefined;
  seq: number;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function choiceCount(n: unknown): number {
  return typeof n === 'number' && Number.isInteger(n) && n > 1 ? Math.min(n, MAX_CHOICES) : 1;
}

function plan(x: Exchange): Plan {
  const turn = messagesTurn(x.json);
  const text = replyText(x.behaviour, echo(turn));
  const n = choiceCount(x.json.n);
  const call = planToolCall(x.json, x.behaviour, text, turn.afterTool);
  const prompt = estimateTokens(turn.text);
  const completion = estimateTokens(call ? call.arguments : text) * n;
  return {
    id: `chatcmpl-mock-${x.seq}`,
    created: nowSeconds(),
    model: modelOf(x.json, 'gpt-mock'),
    n,
    text,
    call,
    seq: x.seq,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

function callId(p: Plan, choice: number): string {
  return `call_mock_${p.seq}_${choice}`;
}

function json(p: Plan): MockReply {
  const choices = [];
  for (let i = 0; i < p.n; i++) {
    const message = p.call
      ? {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: callId(p, i), type: 'function', function: { name: p.call.name, arguments: p.call.arguments } }],
        }
      : { role: 'assistant', content: p.text, refusal: null };
    choices.push({ index: i, message, logprobs: null, finish_reason: p.call ? 'tool_calls' : 'stop' });
  }
  const body = { id: p.id, object: 'chat.completion', created: p.created, model: p.model, choices, usage: p.usage };
  return { kind: 'json', status: 200, body: JSON.stringify(body) };
}

function stream(p: Plan, x: Exchange, includeUsage: boolean): MockReply {
  const head = { id: p.id, object: 'chat.completion.chunk', created: p.created, model: p.model };
  const chunk = (choice: number, delta: object, finish: string | null): string =>
    dataEvent({
      ...head,
      choices: [{ index: choice, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const events: string[] = [];
  for (let i = 0; i < p.n; i++) events.push(chunk(i, { role: 'assistant', content: p.call ? null : '' }, null));
  if (p.call) {
    const pieces = splitChars(p.call.arguments, ARG_PIECE_CHARS);
    for (let i = 0; i < p.n; i++) {
      const start = { index: 0, id: callId(p, i), type: 'function', function: { name: p.call.name, arguments: '' } };
      events.push(chunk(i, { tool_calls: [start] }, null));
    }
    for (const piece of pieces) {
      for (let i = 0; i < p.n; i++) events.push(chunk(i, { tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
    }
  } else {
    // The hot path (one event per delta): a string template instead of a JSON.stringify per event.
    const pre = `data: {"id":"${p.id}","object":"chat.completion.chunk","created":${p.created},"model":${JSON.stringify(p.model)},"choices":[{"index":`;
    const post = `},"logprobs":null,"finish_reason":null}]${includeUsage ? ',"usage":null' : ''}}\n\n`;
    // Choices interleave delta by delta, as the real API does, so per-choice state in consumers gets exercised.
    for (const d of streamDeltas(x.behaviour, p.text)) {
      const content = JSON.stringify(d);
      for (let i = 0; i < p.n; i++) events.push(`${pre}${i},"delta":{"content":${content}${post}`);
    }
  }
  for (let i = 0; i < p.n; i++) events.push(chunk(i, {}, p.call ? 'tool_calls' : 'stop'));
  if (includeUsage) events.push(dataEvent({ ...head, choices: [], usage: p.usage }));
  events.push(DONE);
  return { kind: 'sse', events };
}

export function wantsUsage(json: Record<string, unknown>): boolean {
  const opts = json.stream_options as Record<string, unknown> | undefined;
  return opts?.include_usage === true;
}

export function chatCompletions(x: Exchange): MockReply {
  const p = plan(x);
  return x.json.stream === true ? stream(p, x, wantsUsage(x.json)) : json(p);
}
