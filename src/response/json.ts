// Whole (non-streamed) JSON responses: mask generated text in place, keep the JSON valid.
// The caller sets Content-Length from the returned body (it changes whenever a value is masked).
import type { Finding, ProviderKind, TokenUsage } from '../types.js';
import { createRestoreStage, type RestoreFn } from './restore.js';
import type { MaskText } from './fields.js';
import { anthropicUsage, openaiUsage } from './usage.js';
import { isObj, maskAnthropicMessage, maskChoices, maskDeep, maskErrorObject, maskResponseObject, type MaskFn } from './walk.js';

export interface JsonMaskOptions {
  maskText: MaskText;
  restore?: RestoreFn;
  /** Longest token `restore` can recognise, `<` and `>` included. Default 64. */
  maxTokenChars?: number;
}

export interface JsonMaskResult {
  /** What the client gets: masked, then Sluice's tokens restored when `restore` was given. */
  body: Uint8Array;
  /** Masked but never restored: what an audit record may keep. Same as `body` without `restore`. */
  masked: Uint8Array;
  findings: Finding[];
  usage?: TokenUsage;
}

/** Routes whose responses carry no generated text: not worth parsing (embeddings are large). */
const TEXTLESS_ROUTES = new Set(['embeddings', 'models']);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

export function maskJsonResponse(body: Uint8Array, kind: ProviderKind, route: string, opts: JsonMaskOptions): JsonMaskResult {
  const findings: Finding[] = [];
  if (TEXTLESS_ROUTES.has(route)) return { body, masked: body, findings };
  const maskOnly: MaskFn = function maskString(s) {
    const r = opts.maskText(s);
    for (const f of r.findings) findings.push(f);
    return r.out;
  };
  const text = decoder.decode(body);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not JSON after all: mask it as plain text rather than pass unscanned bytes to the client.
    const masked = maskOnly(text, false);
    return finish(masked, () => restoreFn(opts)?.(masked, false), findings);
  }
  const usage = isObj(doc) ? (kind === 'anthropic' ? anthropicUsage(doc.usage) : openaiUsage(doc.usage)) : undefined;
  const masked = JSON.stringify(walk(doc, kind, maskOnly));
  // Restore walks a fresh copy of the masked document, so the audit copy above never holds originals.
  const restore = restoreFn(opts);
  const r = finish(masked, () => (restore ? JSON.stringify(walk(JSON.parse(masked), kind, restore)) : undefined), findings);
  return { ...r, usage };
}

function finish(masked: string, restored: () => string | undefined, findings: Finding[]): JsonMaskResult {
  const maskedBytes = encoder.encode(masked);
  const out = restored();
  return { body: out === undefined || out === masked ? maskedBytes : encoder.encode(out), masked: maskedBytes, findings };
}

function restoreFn(opts: JsonMaskOptions): MaskFn | undefined {
  const restore = opts.restore;
  if (restore === undefined) return undefined;
  const maxTokenChars = opts.maxTokenChars ?? 64;
  return function restoreString(s, json) {
    const stage = createRestoreStage(restore, { json, maxTokenChars });
    return stage.push(s) + stage.end();
  };
}

function walk(doc: unknown, kind: ProviderKind, mask: MaskFn): unknown {
  if (!isObj(doc)) return maskDeep(doc, mask);
  if (kind === 'anthropic') {
    maskAnthropicMessage(doc, mask);
  } else {
    maskChoices(doc.choices, mask);
    maskResponseObject(doc, mask);
  }
  maskErrorObject(doc.error, mask);
  return doc;
}
