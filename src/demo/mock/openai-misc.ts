// POST /v1/embeddings (deterministic unit vectors; float or base64) and GET /v1/models (both providers' shapes).
import { modelOf } from './sse.js';
import { estimateTokens } from './text.js';
import type { Exchange, MockReply } from './types.js';

const DEFAULT_DIMENSIONS = 64;
const MAX_DIMENSIONS = 4096;

/** FNV-1a: a stable seed per input, so the same text always embeds to the same vector. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0 || 1;
}

export function embed(text: string, dimensions: number): Float32Array {
  const out = new Float32Array(dimensions);
  let s = seedOf(text);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    // xorshift32: cheap, deterministic, spread over [-1, 1).
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const v = ((s >>> 0) / 0x80000000) - 1;
    out[i] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
  for (let i = 0; i < dimensions; i++) out[i] *= scale;
  return out;
}

function inputsOf(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return [''];
  // A flat token array is one input; an array of strings or of token arrays is many.
  if (typeof input[0] === 'number') return [JSON.stringify(input)];
  return input.map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
}

function dimensionsOf(d: unknown): number {
  return typeof d === 'number' && Number.isInteger(d) && d > 0 ? Math.min(d, MAX_DIMENSIONS) : DEFAULT_DIMENSIONS;
}

export function embeddings(x: Exchange): MockReply {
  const inputs = inputsOf(x.json.input);
  const dims = dimensionsOf(x.json.dimensions);
  const base64 = x.json.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((text, index) => {
    tokens += estimateTokens(text);
    const v = embed(text, dims);
    const embedding = base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  const body = { object: 'list', data, model: modelOf(x.json, 'text-embedding-mock'), usage: { prompt_tokens: tokens, total_tokens: tokens } };
  return { kind: 'json', status: 200, body: JSON.stringify(body) };
}

const OPENAI_MODELS = ['gpt-mock', 'gpt-mock-instruct', 'text-embedding-mock'];
const ANTHROPIC_MODELS = ['claude-mock'];
const CREATED = 1_700_000_000;

const OPENAI_LIST = JSON.stringify({
  object: 'list',
  data: OPENAI_MODELS.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'sluice-mock' })),
});

const ANTHROPIC_LIST = JSON.stringify({
  data: ANTHROPIC_MODELS.map((id) => ({
    type: 'model',
    id,
    display_name: 'Claude (mock)',
    created_at: new Date(CREATED * 1000).toISOString(),
  })),
  has_more: false,
  first_id: ANTHROPIC_MODELS[0],
  last_id: ANTHROPIC_MODELS[ANTHROPIC_MODELS.length - 1],
});

/** One model list per provider; the Anthropic SDK is recognised by its `anthropic-version` header. */
export function models(x: Exchange): MockReply {
  return { kind: 'json', status: 200, body: x.kind === 'anthropic' ? ANTHROPIC_LIST : OPENAI_LIST };
}
