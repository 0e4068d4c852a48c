// Whole (non-streamed) JSON responses: mask generated text in place, keep the JSON valid.
// The caller sets Content-Length from the returned body (it changes whenever a value is masked).
import type { Finding, ProviderKind, TokenUsage } from '../types.js';
import { createRestoreStage, type RestoreFn } from './restore.js';
import type { MaskText } from './fields.js';
import { anthropicUsage, openaiUsage } from './usage.js';
import {
  isObj,
  maskAnthropicMessage,
  maskChoices,
  maskDeep,
  maskErrorObject,
  maskResponseObject,
  type MaskFn,
} from './walk.js';

export interface JsonMaskOptions {
  maskText: MaskText;
  restore?: RestoreFn;
  /** Longest token `restore` can recognise, `<` and `>` included. Default 64. */
  maxTokenChars?: number;
}

export interface JsonMaskResult {
  /** The input itself when nothing changed. */
  body: Uint8Array;
  findings: Finding[];
  usage?: TokenUsage;
}

/** Routes whose responses carry no generated text: not worth parsing (embeddings are large). */
const TEXTLESS_ROUTES = new Set(['embeddings', 'models']);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

export function maskJsonResponse(
  body: Uint8Array,
  kind: ProviderKind,
  route: string,
  opts: JsonMaskOptions,
): JsonMaskResult {
  const findings: Finding[] = [];
  if (TEXTLESS_ROUTES.has(route)) return { body, findings };
  const mask = createMask(opts, findings);
  const text = decoder.decode(body);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not JSON after all: mask it as plain text rather than pass unscanned bytes to the client.
    const out = mask(text, false);
    return { body: out === text ? body : encoder.encode(out), findings };
  }
  if (!isObj(doc)) return { body: encoder.encode(JSON.stringify(maskDeep(doc, mask))), findings };
  if (kind === 'anthropic') {
    maskAnthropicMessage(doc, mask);
  } else {
    maskChoices(doc.choices, mask);
    maskResponseObject(doc, mask);
  }
  maskErrorObject(doc.error, mask);
  const usage = kind === 'anthropic' ? anthropicUsage(doc.usage) : openaiUsage(doc.usage);
  // Always re-serialized: dropping log-probabilities or restoring a token changes the body without a finding.
  return { body: encoder.encode(JSON.stringify(doc)), findings, usage };
}

function createMask(opts: JsonMaskOptions, findings: Finding[]): MaskFn {
  const restore = opts.restore;
  const maxTokenChars = opts.maxTokenChars ?? 64;
  return function maskJsonString(s, json) {
    const r = opts.maskText(s);
    if (r.findings.length > 0) for (const f of r.findings) findings.push(f);
    if (restore === undefined) return r.out;
    const stage = createRestoreStage(restore, { json, maxTokenChars });
    return stage.push(r.out) + stage.end();
  };
}

