// POST /v1/completions (legacy text completions): JSON and SSE `text_completion` chunks.
import { wantsUsage } from './openai-chat.js';
import { DONE, dataEvent, modelOf, nowSeconds } from './sse.js';
import { completionsTurn, echo, estimateTokens, replyDeltas } from './text.js';
import type { Exchange, MockReply } from './types.js';

export function completions(x: Exchange): MockReply {
  const turn = completionsTurn(x.json);
  const deltas = replyDeltas(x.behaviour, echo(turn));
  const text = deltas.join('');
  const prompt = estimateTokens(turn.text);
  const completion = estimateTokens(text);
  const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const head = { id: `cmpl-mock-${x.seq}`, object: 'text_completion', created: nowSeconds(), model: modelOf(x.json, 'gpt-mock-instruct') };
  if (x.json.stream !== true) {
    const choices = [{ text, index: 0, logprobs: null, finish_reason: 'stop' }];
    return { kind: 'json', status: 200, body: JSON.stringify({ ...head, choices, usage }) };
  }
  const events: string[] = [];
  for (const d of deltas) events.push(dataEvent({ ...head, choices: [{ text: d, index: 0, logprobs: null, finish_reason: null }] }));
  events.push(dataEvent({ ...head, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] }));
  if (wantsUsage(x.json)) events.push(dataEvent({ ...head, choices: [], usage }));
  events.push(DONE);
  return { kind: 'sse', events };
}
