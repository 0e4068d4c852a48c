// Deterministic reply text: echoes what the provider received so tests can see it (e.g. masked values).

type Json = Record<string, unknown>;

/** Text of a content field in any of the three API shapes (string, or an array of typed parts). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (typeof part === 'string') out += part;
    else if (part && typeof (part as Json).text === 'string') out += (part as Json).text as string;
    else if (part && (part as Json).type === 'tool_result') out += contentText((part as Json).content);
  }
  return out;
}

/** What the model "answers" to: the last user turn, or the last tool result when the turn ends with one. */
export interface LastTurn {
  text: string;
  /** The conversation ends with a tool result: a real model now answers in text, never calls again. */
  afterTool: boolean;
}

function lastOf(list: unknown): Json | undefined {
  return Array.isArray(list) && list.length > 0 ? (list[list.length - 1] as Json) : undefined;
}

function lastUser(list: unknown): Json | undefined {
  if (!Array.isArray(list)) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i] as Json;
    if (m && (m.role === 'user' || (m.type === 'message' && m.role === undefined))) return m;
  }
  return undefined;
}

function isAnthropicToolResult(m: Json | undefined): boolean {
  return Array.isArray(m?.content) && (m.content as Json[]).some((p) => p?.type === 'tool_result');
}

/** Chat completions and Anthropic messages: `messages[]`. */
export function messagesTurn(json: Json): LastTurn {
  const last = lastOf(json.messages);
  if (last?.role === 'tool') return { text: contentText(last.content), afterTool: true };
  if (last?.role === 'user' && isAnthropicToolResult(last)) return { text: contentText(last.content), afterTool: true };
  return { text: contentText(lastUser(json.messages)?.content), afterTool: false };
}

/** Responses API: `input` is a string or a list of items. */
export function responsesTurn(json: Json): LastTurn {
  if (typeof json.input === 'string') return { text: json.input, afterTool: false };
  const last = lastOf(json.input);
  if (last?.type === 'function_call_output') return { text: contentText(last.output), afterTool: true };
  return { text: contentText(lastUser(json.input)?.content), afterTool: false };
}

/** Legacy completions: `prompt` is a string or a list of strings. */
export function completionsTurn(json: Json): LastTurn {
  const p = json.prompt;
  const text = typeof p === 'string' ? p : Array.isArray(p) ? p.filter((x) => typeof x === 'string').join('\n') : '';
  return { text, afterTool: false };
}

export function echo(turn: LastTurn): string {
  return (turn.afterTool ? 'Tool result: ' : 'You said: ') + turn.text;
}

const WORD = /\s*\S+|\s+$/g;

/** Splits like a tokenizer would, roughly: one word with its leading space per delta. */
export function splitWords(text: string): string[] {
  const out = text.match(WORD);
  return out === null || out.length === 0 ? [text] : out;
}

/** Fixed-size pieces that never cut a surrogate pair in two. */
export function splitChars(text: string, size: number): string[] {
  if (text.length <= size) return [text];
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(i + size, text.length);
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff && end < text.length) end++;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

export function split(text: string, chunkChars: number | undefined): string[] {
  return chunkChars !== undefined && chunkChars > 0 ? splitChars(text, chunkChars) : splitWords(text);
}

/** ~4 characters per token: good enough for usage fields that tests only compare for presence and growth. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** The full reply: exact deltas joined, else the exact reply, else the echo. JSON replies need no splitting. */
export function replyText(b: { deltas?: string[]; reply?: string }, fallback: string): string {
  if (b.deltas !== undefined && b.deltas.length > 0) return b.deltas.join('');
  return b.reply ?? fallback;
}

/** The deltas to stream for `text` (from `replyText`): the exact deltas when given, else `text` split. */
export function streamDeltas(b: { deltas?: string[]; chunkChars?: number }, text: string): string[] {
  return b.deltas !== undefined && b.deltas.length > 0 ? b.deltas : split(text, b.chunkChars);
}

/** Tool arguments stream in small pieces, as real providers send them. */
export const ARG_PIECE_CHARS = 8;
