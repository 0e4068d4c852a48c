// Picks the response filter for one exchange from its content type and provider, and connects it to
// the request context: findings, masked text for audit, usage, and token restore when policy allows.
import type { RequestContext } from '../context.js';
import { SluiceError } from '../errors.js';
import type { TextScanner } from '../inspect/api.js';
import { anthropicUsage, openaiUsage } from './usage.js';
import type { Finding, TokenUsage } from '../types.js';
import type { BodyFilter } from '../ports.js';
import { createAnthropicStreamFilter } from './anthropic-stream.js';
import type { MaskingOptions } from './fields.js';
import { maskJsonResponse } from './json.js';
import { createOpenAIStreamFilter } from './openai-stream.js';
import type { StreamFilter } from './stream.js';

export interface ResponseFilterOptions {
  /** A fresh streaming scanner for one field of the response (the engine's, for this caller's profile). */
  newScanner: () => TextScanner;
  /** Largest JSON/text body buffered for masking. */
  maxBufferedBytes: number;
  /** Largest single SSE event. */
  maxEventChars: number;
  /** Masked response text kept on the context for audit. */
  maxAuditChars: number;
  /** Tokens Sluice issued earlier in the session (multi-turn restore); synchronous stores only. */
  sessionLookup?: (session: string, token: string) => string | undefined;
  /**
   * One WASM pass over a whole JSON body (every string value decoded and masked in place). The fast path for
   * buffered responses when nothing needs restoring: no parse/stringify round trip on the main thread.
   */
  inspectJson?: (body: Uint8Array) => { body: Uint8Array; findings: Finding[]; meta: { validJson: boolean } };
}

// `<` + type (≤ 64 chars, see inspect/actions.ts safeType) + `_` + 8 hex + `>`.
const MAX_TOKEN_CHARS = 75;

const decoder = new TextDecoder();

export type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string {
  const v = h[name];
  return (Array.isArray(v) ? v[0] : v ?? '').toLowerCase();
}

/** Only Sluice's own tokens from this request are restored; anything else in `<…>` is left alone. */
export function restoreFrom(
  tokens: Array<{ token: string; value: string }>,
  lookup?: (token: string) => string | undefined,
): { restore: (t: string) => string; maxTokenChars: number } {
  const vault = new Map(tokens.map((t) => [t.token, t.value]));
  const maxTokenChars = lookup ? MAX_TOKEN_CHARS : Math.max(2, ...tokens.map((t) => t.token.length));
  return {
    restore: (text) => text.replace(/<[A-Za-z0-9_]+>/g, (tok) => vault.get(tok) ?? lookup?.(tok) ?? tok),
    maxTokenChars,
  };
}

function contextHooks(ctx: RequestContext, opts: ResponseFilterOptions) {
  let audit = '';
  const keepForAudit = function keepForAudit(masked: string) {
    if (audit.length >= opts.maxAuditChars) return;
    audit += masked.slice(0, opts.maxAuditChars - audit.length);
    ctx.maskedResponse = audit;
  };
  return {
    onFindings: function addFindings(findings: Finding[]) {
      for (const f of findings) {
        ctx.findings.push(f);
        const s = ctx.findingSummary.find((x) => x.detector === f.detector && x.action === f.action);
        if (s) s.count++;
        else ctx.findingSummary.push({ detector: f.detector, type: f.type, action: f.action, count: 1 });
      }
    },
    onText: keepForAudit,
    /** A whole buffered body: its bytes, when they are certainly within the bound (a char is at least a byte). */
    onBody: function keepBodyForAudit(masked: Uint8Array) {
      if (masked.byteLength <= opts.maxAuditChars) ctx.maskedResponse = masked;
      else keepForAudit(decoder.decode(masked));
    },
    onUsage: function setUsage(u: TokenUsage) {
      ctx.usage = u;
    },
  };
}

function streamFilter(f: StreamFilter): BodyFilter {
  return {
    mode: 'stream',
    push: (chunk) => f.push(chunk),
    end: () => f.end(),
    fail: (err) => f.error(err),
  };
}

/** Swallows the body and fails at the end: the relay then cuts the response instead of sending it. */
function refuse(err: SluiceError): BodyFilter {
  return {
    mode: 'buffer',
    push: () => [],
    end: () => {
      throw err;
    },
  };
}

function bufferFilter(ctx: RequestContext, opts: ResponseFilterOptions, masking: MaskingOptions, keepBody: (masked: Uint8Array) => void): BodyFilter {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const maskText = function maskText(s: string) {
    const sc = opts.newScanner();
    const a = sc.push(s);
    const b = sc.end();
    return { out: a.out + b.out, findings: b.findings.length ? [...a.findings, ...b.findings] : a.findings };
  };
  return {
    mode: 'buffer',
    push: function collect(chunk) {
      size += chunk.byteLength;
      // Over the cap nothing more is kept; end() then refuses to answer rather than send unscanned bytes.
      if (size <= opts.maxBufferedBytes) chunks.push(chunk);
      return [];
    },
    end: function maskBody() {
      if (size > opts.maxBufferedBytes) {
        throw new SluiceError('SLUICE_INSPECTION_FAILED', `Upstream response exceeds ${opts.maxBufferedBytes} bytes; not relayed`);
      }
      const whole = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (TEXTLESS.has(ctx.route!.route)) {
        // Embeddings and model lists carry no generated text (and embeddings are large): relay as is.
        const usage = usageOf(whole, ctx.route!.provider);
        if (usage) ctx.usage = usage;
        return [whole];
      }
      if (opts.inspectJson && masking.restore === undefined) {
        const fast = opts.inspectJson(whole);
        if (fast.meta.validJson) {
          masking.onFindings?.(fast.findings);
          keepBody(fast.body);
          const usage = usageOf(fast.body, ctx.route!.provider);
          if (usage) ctx.usage = usage;
          return [fast.body];
        }
      }
      const r = maskJsonResponse(whole, ctx.route!.provider, ctx.route!.route, { ...masking, maskText });
      masking.onFindings?.(r.findings);
      keepBody(r.masked);
      if (r.usage) ctx.usage = r.usage;
      return [r.body];
    },
  };
}

/** Usage from the top-level `"usage"` object, parsing only that object (responses put it last). */
function usageOf(body: Uint8Array, provider: 'openai' | 'anthropic'): TokenUsage | undefined {
  // Found in the bytes, so only the object itself is decoded.
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const found = bytes.lastIndexOf(USAGE_KEY);
  if (found < 0 || found < bytes.byteLength - USAGE_TAIL) return undefined;
  const text = decoder.decode(bytes.subarray(found));
  const open = text.indexOf('{');
  if (open < 0) return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 123) depth++;
    else if (ch === 125 && --depth === 0) {
      try {
        const u = JSON.parse(text.slice(open, i + 1));
        return provider === 'anthropic' ? anthropicUsage(u) : openaiUsage(u);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const TEXTLESS = new Set(['embeddings', 'models.list', 'models.get']);

// Usage objects are a few hundred bytes at the end of a response; never scan a large body for them.
const USAGE_TAIL = 4096;
const USAGE_KEY = Buffer.from('"usage"');

/** The filter for this response, or null when it carries nothing to inspect (binary, or masking off). */
export function responseFilter(ctx: RequestContext, headers: Headers, opts: ResponseFilterOptions): BodyFilter | null {
  const route = ctx.route;
  if (route === undefined || !route.inspect) return null;
  const type = header(headers, 'content-type');
  const sse = type.startsWith('text/event-stream');
  const textual = sse || type.includes('json') || type.startsWith('text/');
  if (!textual) return null;
  const encoding = header(headers, 'content-encoding');
  if (encoding !== '' && encoding !== 'identity') {
    // Sluice asks for identity encoding; compressed bytes cannot be masked, so they are not relayed.
    return refuse(new SluiceError('SLUICE_INSPECTION_FAILED', `Upstream response is ${encoding}-encoded and cannot be inspected`));
  }
  const hooks = contextHooks(ctx, opts);
  const restoring = ctx.decision?.restoreTokens === true;
  const tokens = restoring ? ctx.issuedTokens ?? [] : [];
  const session = ctx.identity?.session;
  const preloaded = ctx.sessionTokens;
  const lookup = !restoring
    ? undefined
    : preloaded
      ? (t: string) => preloaded.get(t)
      : opts.sessionLookup && session
        ? (t: string) => opts.sessionLookup!(session, t)
        : undefined;
  const restore = tokens.length > 0 || lookup ? restoreFrom(tokens, lookup) : undefined;
  const masking: MaskingOptions = { newScanner: opts.newScanner, onFindings: hooks.onFindings, onText: hooks.onText, ...restore };
  if (!sse) return bufferFilter(ctx, opts, masking, (b) => hooks.onBody(b));
  const common = { ...masking, onUsage: hooks.onUsage, maxEventChars: opts.maxEventChars };
  return streamFilter(
    route.provider === 'anthropic'
      ? createAnthropicStreamFilter(common)
      : createOpenAIStreamFilter({ ...common, stripUsage: ctx.includeUsage !== true }),
  );
}
