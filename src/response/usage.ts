// Token usage from provider payloads → the shared TokenUsage shape (quotas and audit).
import type { TokenUsage } from '../types.js';

type Obj = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function total(input: number | undefined, output: number | undefined): number | undefined {
  return input === undefined && output === undefined ? undefined : (input ?? 0) + (output ?? 0);
}

/** Chat/completions (`prompt_tokens`…) and Responses API (`input_tokens`…) usage objects. */
export function openaiUsage(u: unknown): TokenUsage | undefined {
  if (u === null || typeof u !== 'object') return undefined;
  const o = u as Obj;
  const input = num(o.prompt_tokens) ?? num(o.input_tokens);
  const output = num(o.completion_tokens) ?? num(o.output_tokens);
  const t = num(o.total_tokens) ?? total(input, output);
  if (t === undefined) return undefined;
  const details = (o.prompt_tokens_details ?? o.input_tokens_details) as Obj | null | undefined;
  const cachedInput = details && typeof details === 'object' ? num(details.cached_tokens) : undefined;
  return cachedInput ? { input, cachedInput, output, total: t } : { input, output, total: t };
}

/**
 * Anthropic usage. Cache writes and reads are billed input, so they count as input here.
 * `message_delta` usage carries cumulative output tokens (and input only on newer API versions),
 * so missing fields fall back to what `message_start` reported.
 */
export function anthropicUsage(u: unknown, prior?: TokenUsage): TokenUsage | undefined {
  if (u === null || typeof u !== 'object') return undefined;
  const o = u as Obj;
  const base = num(o.input_tokens);
  const cache = (num(o.cache_creation_input_tokens) ?? 0) + (num(o.cache_read_input_tokens) ?? 0);
  const input = base === undefined ? prior?.input : base + cache;
  const output = num(o.output_tokens) ?? prior?.output;
  const t = total(input, output);
  if (t === undefined) return undefined;
  const cachedInput = base === undefined ? prior?.cachedInput : num(o.cache_read_input_tokens);
  return cachedInput ? { input, cachedInput, output, total: t } : { input, output, total: t };
}
