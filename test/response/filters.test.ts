import { describe, expect, it } from 'vitest';
import { createContext, type RequestContext } from '../../src/context.js';
import { responseFilter, type ResponseFilterOptions } from '../../src/response/filters.js';
import type { BodyFilter } from '../../src/ports.js';
import { newFakeScanner } from './fake-scanner.js';
import { sseText } from './helpers.js';

const CARD = '4111111111111111';
const enc = new TextEncoder();
const dec = new TextDecoder();
const opts: ResponseFilterOptions = { newScanner: () => newFakeScanner(), maxBufferedBytes: 1024, maxEventChars: 4096, maxAuditChars: 1000 };

function ctxFor(provider: 'openai' | 'anthropic', extra: Partial<RequestContext> = {}): RequestContext {
  const ctx = createContext({ id: 'r1', method: 'POST', path: '/v1/x', headers: {}, remoteAddress: '127.0.0.1' });
  ctx.route = { connection: 'c', provider, route: provider === 'openai' ? 'chat.completions' : 'messages', upstreamPath: '/x', query: '', method: 'POST', inspect: true };
  return Object.assign(ctx, extra);
}

function drive(f: BodyFilter, body: string): string {
  const out = [...f.push(enc.encode(body)), ...f.end()];
  return out.map((b) => dec.decode(b)).join('');
}

const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8' };
const chunk = (choices: unknown[], extra = {}) => ({ data: { id: 'c1', object: 'chat.completion.chunk', model: 'm', choices, ...extra } });

describe('responseFilter', () => {
  it('streams OpenAI SSE, strips usage the client did not ask for, and fills the context', () => {
    const ctx = ctxFor('openai', {
      issuedTokens: [{ token: '<card_7f3a9c>', value: '5500000000000004' }],
      decision: { outcome: 'allow', rules: [], restoreTokens: true },
    });
    const f = responseFilter(ctx, sseHeaders, opts)!;
    expect(f.mode).toBe('stream');
    const body = sseText([
      chunk([{ index: 0, delta: { content: `a ${CARD} b <card_7f3a9c>` }, finish_reason: 'stop' }], { usage: null }),
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
      { data: '[DONE]' },
    ]);
    const out = drive(f, body);
    expect(out).not.toContain(CARD);
    expect(out).toContain('5500000000000004');
    expect(out).not.toContain('"usage"');
    expect(ctx.usage).toEqual({ input: 3, output: 4, total: 7 });
    expect(ctx.findingSummary).toEqual([{ detector: 'card', type: 'card', action: 'redact', count: 1 }]);
    expect(ctx.maskedResponse).toBe('a [REDACTED:card] b <card_7f3a9c>');
  });

  it('does not restore when policy did not allow it', () => {
    const ctx = ctxFor('anthropic', { issuedTokens: [{ token: '<card_7f3a9c>', value: '5500000000000004' }] });
    const body = sseText([{ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x <card_7f3a9c>' } } }]);
    expect(drive(responseFilter(ctx, sseHeaders, opts)!, body)).toContain('<card_7f3a9c>');
  });

  it('buffers and masks JSON, recording usage and masked text', () => {
    const ctx = ctxFor('anthropic');
    const f = responseFilter(ctx, { 'content-type': 'application/json' }, opts)!;
    expect(f.mode).toBe('buffer');
    const out = JSON.parse(drive(f, JSON.stringify({ content: [{ type: 'text', text: `n ${CARD}` }], usage: { input_tokens: 1, output_tokens: 2 } })));
    expect(out.content[0].text).toBe('n [REDACTED:card]');
    expect(ctx.usage).toEqual({ input: 1, output: 2, total: 3 });
    // A buffered body is kept for audit as the bytes relayed.
    expect(ctx.maskedResponse).toBeInstanceOf(Uint8Array);
    expect(dec.decode(ctx.maskedResponse as Uint8Array)).toContain('[REDACTED:card]');
  });

  it('refuses a body larger than maxBufferedBytes', () => {
    const f = responseFilter(ctxFor('openai'), { 'content-type': 'application/json' }, opts)!;
    f.push(new Uint8Array(600));
    f.push(new Uint8Array(600));
    expect(() => f.end()).toThrow(/exceeds 1024 bytes/);
  });

  it('refuses compressed bodies instead of relaying them unscanned', () => {
    const f = responseFilter(ctxFor('openai'), { 'content-type': 'application/json', 'content-encoding': 'gzip' }, opts)!;
    expect(f.push(enc.encode('x'))).toEqual([]);
    expect(() => f.end()).toThrow(/gzip-encoded/);
  });

  it.each([
    { name: 'binary content', headers: { 'content-type': 'audio/mpeg' }, inspect: true },
    { name: 'route not inspected', headers: { 'content-type': 'application/json' }, inspect: false },
  ])('passes $name through untouched', ({ headers, inspect }) => {
    const ctx = ctxFor('openai');
    ctx.route!.inspect = inspect;
    expect(responseFilter(ctx, headers, opts)).toBeNull();
  });

  it('caps the audit copy of the response', () => {
    const ctx = ctxFor('openai');
    drive(responseFilter(ctx, sseHeaders, { ...opts, maxAuditChars: 10 })!, sseText([chunk([{ index: 0, delta: { content: 'x'.repeat(50) }, finish_reason: 'stop' }])]));
    expect(ctx.maskedResponse).toBe('x'.repeat(10));
  });
});
