// Pulls readable text out of stored (masked) request and response bodies for `audit replay`:
// OpenAI chat/responses and Anthropic messages, as JSON or as SSE streams. Falls back to the raw text.

type Json = Record<string, unknown>;

/** The last user message of an OpenAI or Anthropic request body, or undefined when it cannot be found. */
export function lastUserMessage(body: string): string | undefined {
  const req = parseObject(body);
  if (!req) return undefined;
  if (Array.isArray(req.messages)) {
    for (let i = req.messages.length - 1; i >= 0; i--) {
      const m = req.messages[i] as Json;
      if (m?.role === 'user') return contentText(m.content);
    }
    return undefined;
  }
  // OpenAI Responses API: `input` is a string or a list of items.
  if (typeof req.input === 'string') return req.input;
  if (Array.isArray(req.input)) {
    for (let i = req.input.length - 1; i >= 0; i--) {
      const item = req.input[i] as Json;
      if (item?.role === 'user') return contentText(item.content);
    }
  }
  if (typeof req.prompt === 'string') return req.prompt;
  return undefined;
}

/** The assistant's text from a JSON response or an SSE stream, or undefined. */
export function assistantText(body: string): string | undefined {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) {
    const res = parseObject(trimmed);
    return res ? responseText(res) : undefined;
  }
  if (/^(data|event|id|retry):/m.test(body)) return sseText(body);
  return undefined;
}

function responseText(res: Json): string | undefined {
  if (Array.isArray(res.choices)) {
    return joinDefined(res.choices.map((c) => contentText((c as Json)?.message && ((c as Json).message as Json).content)));
  }
  if (typeof res.output_text === 'string') return res.output_text;
  if (Array.isArray(res.output)) {
    return joinDefined(res.output.map((item) => contentText((item as Json)?.content)));
  }
  if (Array.isArray(res.content)) return contentText(res.content);
  return undefined;
}

/** Concatenates the text deltas of OpenAI chat, OpenAI Responses and Anthropic event streams. */
function sseText(stream: string): string | undefined {
  let out = '';
  let any = false;
  for (const line of stream.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const ev = parseObject(line.slice(5).trim());
    if (!ev) continue;
    const piece = deltaText(ev);
    if (piece !== undefined) {
      out += piece;
      any = true;
    }
  }
  return any ? out : undefined;
}

function deltaText(ev: Json): string | undefined {
  if (Array.isArray(ev.choices)) {
    const delta = (ev.choices[0] as Json | undefined)?.delta as Json | undefined;
    return typeof delta?.content === 'string' ? delta.content : undefined;
  }
  if (ev.type === 'content_block_delta') {
    const d = ev.delta as Json | undefined;
    return typeof d?.text === 'string' ? d.text : undefined;
  }
  if (ev.type === 'response.output_text.delta' && typeof ev.delta === 'string') return ev.delta;
  return undefined;
}

/** Text of a message `content`: a string, or a list of text parts (`text`, `input_text`, `output_text`). */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const p of content as Json[]) {
    if (p && typeof p.text === 'string') parts.push(p.text);
    else if (p && typeof p.type === 'string' && p.type !== 'text') parts.push(`[${p.type}]`);
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

function joinDefined(items: Array<string | undefined>): string | undefined {
  const kept = items.filter((s): s is string => s !== undefined);
  return kept.length > 0 ? kept.join('\n') : undefined;
}

function parseObject(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}
