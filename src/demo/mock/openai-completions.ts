// POST /v1/completions (legacy text completions): JSON and SSE `text_completion` chunks.
import { wantsUsage } from './openai-chat.js';
import { DONE, dataEvent, modelOf, nowSeconds } from './sse.js';
import { completionsTurn, echo, estimateTokens, replyText, streamDeltas } from './text.js';
import type { Exchange, MockReply } from './types.js';

export function completions(x: Exchange): MockReply {
  const turn = completionsTurn(x.json);
  const text = replyText(x.behaviour, echo(turn));
  const prompt = estimateTokens(turn.text);
  const completion = estimateTokens(text);
  const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const head = { id: `cmpl-mock-${x.seq}`, object: 'text_completion', created: nowSeconds(), model: modelOf(x.json, 'gpt-mock-instruct') };
  if (x.json.stream !== true) {
    const choices = [{ text, index: 0, logprobs: null, finish_reason: 'stop' }];
    return { kind: 'json', status: 200, body: JSON.stringify({ ...head, choices, usage }) };
  }
  const events: string[] = [];
  const pre = `data: {"id":"${head.id}","object":"text_completion","created":${head.created},"model":${JSON.stringify(head.model)},"choices":[{"text":`;
  for (const d of streamDeltas(x.behaviour, text)) events.push(`${pre}${JSON.stringify(d)},"index":0,"logprobs":null,"finish_reason":null}]}\n\n`);
  events.push(dataEvent({ ...head, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] }));
  if (wantsUsage(x.json)) events.push(dataEvent({ ...head, choices: [], usage }));
  events.push(DONE);
  return { kind: 'sse', events };
}
