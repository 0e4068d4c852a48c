// What a reviewer reads: the conversation text of the masked request body (OpenAI chat/responses/completions,
// Anthropic messages), role by role, cut to a bounded size. Falls back to the masked body itself.
import type { ApprovalPrompt } from './types.js';

type Json = Record<string, unknown>;

/** Approvals are rare, but the main thread still should not parse a huge body for a preview. */
const PARSE_LIMIT_BYTES = 1024 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: false });

export function promptPreview(body: Uint8Array | undefined, maxBytes: number): ApprovalPrompt {
  if (!body || body.byteLength === 0) return { text: '', bytes: 0, truncated: false };
  const req = body.byteLength <= PARSE_LIMIT_BYTES ? parse(body) : undefined;
  const lines = req ? conversation(req) : [];
  const params = req ? paramsOf(req) : undefined;
  return { ...cut(body, lines, maxBytes), ...(params ? { params } : {}) };
}

function cut(body: Uint8Array, lines: string[], maxBytes: number): ApprovalPrompt {
  const full = lines.length > 0 ? Buffer.from(lines.join('\n'), 'utf8') : body;
  if (full.byteLength <= maxBytes) return { text: decoder.decode(full), bytes: body.byteLength, truncated: false };
  return { text: decoder.decode(full.subarray(0, utf8Boundary(full, maxBytes))), bytes: body.byteLength, truncated: true };
}

function parse(body: Uint8Array): Json | undefined {
  try {
    const v: unknown = JSON.parse(decoder.decode(body));
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Fields that carry the conversation (shown as text) or are shown on their own (model). */
const CONTENT_KEYS = new Set(['messages', 'input', 'prompt', 'system', 'instructions', 'model', 'tools', 'functions']);
const MAX_PARAMS = 20;
const MAX_PARAM_CHARS = 200;

/**
 * The request's other settings, for the reviewer: temperature, max_tokens, stream, tool_choice, … Scalars as they
 * are, small objects as JSON, declared tool names joined; long values are left out (they are not settings).
 */
function paramsOf(req: Json): ApprovalPrompt['params'] {
  const out: NonNullable<ApprovalPrompt['params']> = {};
  let n = 0;
  const tools = [...listOf(req.tools), ...listOf(req.functions)]
    .map((t) => (isObject(t) ? ((isObject(t.function) ? t.function.name : undefined) ?? t.name) : undefined))
    .filter((name): name is string => typeof name === 'string');
  if (tools.length > 0) {
    out.tools = tools.join(', ').slice(0, MAX_PARAM_CHARS);
    n++;
  }
  for (const [k, v] of Object.entries(req)) {
    if (n >= MAX_PARAMS) break;
    if (CONTENT_KEYS.has(k) || k.length > 64) continue;
    const value = typeof v === 'number' || typeof v === 'boolean' ? v : typeof v === 'string' ? v : v === null ? undefined : JSON.stringify(v);
    if (value === undefined || (typeof value === 'string' && value.length > MAX_PARAM_CHARS)) continue;
    out[k] = value;
    n++;
  }
  return n > 0 ? out : undefined;
}

function conversation(req: Json): string[] {
  const out: string[] = [];
  push(out, 'instructions', textOf(req.instructions));
  push(out, 'system', textOf(req.system));
  for (const m of listOf(req.messages)) push(out, roleOf(m), textOf(isObject(m) ? m.content : m));
  if (typeof req.input === 'string') push(out, 'user', req.input);
  else for (const item of listOf(req.input)) push(out, roleOf(item), textOf(isObject(item) ? (item.content ?? item.output) : item));
  for (const p of typeof req.prompt === 'string' ? [req.prompt] : listOf(req.prompt)) push(out, 'prompt', textOf(p));
  return out;
}

function push(out: string[], role: string, text: string | undefined): void {
  if (text !== undefined && text !== '') out.push(`${role}: ${text}`);
}

/** A string, or the text parts of a content array (text, input_text, output_text, tool_result content). */
function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return undefined;
  const parts: string[] = [];
  for (const p of v) {
    if (typeof p === 'string') parts.push(p);
    else if (isObject(p) && typeof p.text === 'string') parts.push(p.text);
    else if (isObject(p) && p.content !== undefined) {
      const inner = textOf(p.content);
      if (inner) parts.push(inner);
    }
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

function roleOf(m: unknown): string {
  return isObject(m) && typeof m.role === 'string' ? m.role : isObject(m) && typeof m.type === 'string' ? m.type : 'user';
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Largest index <= limit that does not split a UTF-8 sequence. */
function utf8Boundary(bytes: Uint8Array, limit: number): number {
  let end = limit;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return end;
}
