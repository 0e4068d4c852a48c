// RequestMeta from the walker's meta events: only small slices of the body are ever parsed.
import type { JsonKind, RequestMeta } from './api.js';
import { SHAPE_MEMBERS } from './shape.js';

const decoder = new TextDecoder();
const SMALL = 64 * 1024;
const TOP_KEYS = new Set(['model', 'stream', 'stream_options']);
const MAX_KEY = 64;
/** Containers whose "name" members are tool names: OpenAI function/tools/functions, Anthropic content blocks and tool_choice. */
const TOOL_PARENTS = new Set(['function', 'tools', 'functions', 'content', 'tool_choice']);

function parse(body: Uint8Array, s: number, e: number): unknown {
  if (e - s > SMALL) return undefined;
  try {
    return JSON.parse(decoder.decode(body.subarray(s, e)));
  } catch {
    return undefined;
  }
}

/** The type of the (valid) JSON value starting at or after i, from its first byte. */
export function kindAt(body: Uint8Array, i: number): JsonKind {
  while (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09) i++;
  const c = body[i];
  if (c === 0x7b) return 'object';
  if (c === 0x5b) return 'array';
  if (c === 0x22) return 'string';
  if (c === 0x74 || c === 0x66) return 'boolean';
  if (c === 0x6e) return 'null';
  return 'number';
}

/**
 * A member name: a quoted run of printable ASCII without escapes is its own text (read as latin1, no decoder and no
 * JSON.parse per key); anything else is parsed.
 */
function keyAt(bytes: Buffer, s: number, e: number): unknown {
  if (bytes[s] !== 0x22 || bytes[e - 1] !== 0x22 || e - s < 2) return parse(bytes, s, e);
  for (let i = s + 1; i < e - 1; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c === 0x5c || c >= 0x7f) return parse(bytes, s, e);
  }
  return bytes.toString('latin1', s + 1, e - 1);
}

export function readMeta(events: Uint32Array, body: Uint8Array): RequestMeta {
  const meta: RequestMeta = { validJson: true };
  const tools: string[] = [];
  const seen = new Set<string>();
  const members: Partial<Record<string, JsonKind>> = {};
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < events.length; i += 5) {
    const type = events[i];
    const ks = events[i + 1]!;
    const ke = events[i + 2]!;
    const vs = events[i + 3]!;
    const ve = events[i + 4]!;
    // Keys are short: read them, but parse a value only when its key is one we read (not `messages`).
    const key = ke > ks && ke - ks <= MAX_KEY ? keyAt(bytes, ks, ke) : undefined;
    if (type === 1) {
      if (typeof key !== 'string') continue;
      if (SHAPE_MEMBERS.has(key) && !Object.hasOwn(members, key)) members[key] = kindAt(body, vs);
      if (!TOP_KEYS.has(key)) continue;
      if (seen.has(key)) meta.duplicateKey ??= key;
      seen.add(key);
      const value = parse(body, vs, ve);
      if (key === 'model' && typeof value === 'string') meta.model = value;
      else if (key === 'stream' && typeof value === 'boolean') meta.stream = value;
      else if (key === 'stream_options' && value && typeof value === 'object') {
        meta.includeUsage = (value as { include_usage?: unknown }).include_usage === true;
      }
    } else if (type === 2 && typeof key === 'string' && TOOL_PARENTS.has(key)) {
      const name = parse(body, vs, ve);
      if (typeof name === 'string' && !tools.includes(name) && tools.length < 256) tools.push(name);
    }
  }
  if (tools.length > 0) meta.tools = tools;
  meta.shape = { top: kindAt(body, 0), members };
  return meta;
}
