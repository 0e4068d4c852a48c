// Secrets split across stream deltas, through each provider's stream filter with the real engine: for every split
// offset and every small delta size, the text the client reads equals the one-shot masked text, and neither the
// client's bytes nor the audit copy (ctx.maskedResponse) holds a fragment of the secret.
import { describe, expect, test } from 'vitest';
import { createContext, type RequestContext } from '../../src/context.js';
import { createResponseStep } from '../../src/response/step.js';
import type { InspectionConfig } from '../../src/config/schema.js';
import { allBuiltins, scanText } from '../inspect/helpers.js';
import { secretCorpus, leakedFragments, inProse } from '../fixtures/inspect/secret-corpus.js';
import { sseText, readEvents, json } from './helpers.js';
import { responsesEvents, anthropicEvents } from './streams.js';

const P = allBuiltins('redact');
const CFG = { inlineBelowBytes: 0, responseHoldBack: 0, maskResponses: true } as InspectionConfig;
const step = createResponseStep(CFG);
const enc = new TextEncoder();
const dec = new TextDecoder();

type Provider = 'chat' | 'responses' | 'anthropic';

function ctxFor(p: Provider): RequestContext {
  const ctx = createContext({ id: 'r', method: 'POST', path: '/v1/x', headers: {}, remoteAddress: '127.0.0.1' });
  const route = p === 'chat' ? 'chat.completions' : p === 'responses' ? 'responses' : 'messages';
  ctx.route = { connection: 'c', provider: p === 'anthropic' ? 'anthropic' : 'openai', route, upstreamPath: '/x', query: '', method: 'POST', inspect: true };
  ctx.identity = { subject: 'alice', groups: [], session: 's1', via: 'jwt' };
  ctx.includeUsage = true;
  return ctx;
}

function upstream(p: Provider, parts: string[]): string {
  // The fixtures' tool-call arguments (one event per character) are not what is under test here.
  if (p === 'responses') return sseText(responsesEvents(parts, '{}'));
  if (p === 'anthropic') return sseText(anthropicEvents(parts, '{}'));
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    data: { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] },
  });
  return sseText([chunk({ role: 'assistant', content: '' }), ...parts.map((content) => chunk({ content })), chunk({}, 'stop'), { data: '[DONE]' }]);
}

/** The assistant text a client assembles from the deltas it received. */
function clientText(p: Provider, sse: string): string {
  let text = '';
  for (const ev of readEvents(sse)) {
    if (ev.data === '[DONE]') continue;
    const d = json(ev);
    if (p === 'chat') text += d.choices?.[0]?.delta?.content ?? '';
    else if (p === 'responses' && d.type === 'response.output_text.delta') text += d.delta;
    else if (p === 'anthropic' && d.type === 'content_block_delta' && d.delta.type === 'text_delta') text += d.delta.text;
  }
  return text;
}

function relay(p: Provider, parts: string[]) {
  const ctx = ctxFor(p);
  const f = step.filterFor(ctx, P, 200, { 'content-type': 'text/event-stream' })!;
  const bytes = enc.encode(upstream(p, parts));
  const out = [...f.push(bytes), ...f.end()].map((b) => dec.decode(b)).join('');
  return { out, text: clientText(p, out), audit: typeof ctx.maskedResponse === 'string' ? ctx.maskedResponse : new TextDecoder().decode(ctx.maskedResponse) };
}

const CORPUS = secretCorpus();
const PROVIDERS: Provider[] = ['chat', 'responses', 'anthropic'];

describe.each(PROVIDERS)('%s stream', (p) => {
  test.each(CORPUS.map((s) => [s.name, s] as const))('%s: split at every offset and in 1-16 character deltas', (_n, secret) => {
    const text = inProse(secret.value);
    const want = scanText(P, text).text;
    const splits: string[][] = [];
    for (let i = 1; i < text.length; i++) splits.push([text.slice(0, i), text.slice(i)]);
    for (let size = 1; size <= 16; size++) splits.push(text.match(new RegExp(`[^]{1,${size}}`, 'gu'))!);
    for (const parts of splits) {
      const r = relay(p, parts);
      const leaks = { client: leakedFragments(secret.core, r.out), audit: leakedFragments(secret.core, r.audit) };
      if (r.text !== want || leaks.client.length + leaks.audit.length > 0) {
        expect({ parts: parts.length, first: parts[0]!.length, text: r.text, ...leaks }).toEqual({ parts: parts.length, first: parts[0]!.length, text: want, client: [], audit: [] });
      }
    }
  });
});
