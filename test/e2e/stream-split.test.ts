// Secrets streamed in small deltas through the real gateway (OpenAI chat, Responses, Anthropic): neither the
// client's bytes nor the audit record of the exchange holds a fragment of the key material.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';
import { secretCorpus, leakedFragments, inProse, type CorpusSecret } from '../fixtures/inspect/secret-corpus.js';

const SIZES = [1, 2, 3, 4, 5, 6, 7, 11, 23, 64];
const ROUTES = {
  chat: { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'key?' }] } },
  responses: { path: '/v1/responses', body: { model: 'gpt-4o-mini', stream: true, input: 'key?' } },
  anthropic: { path: '/anthropic/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'key?' }] } },
} as const;

const secrets = secretCorpus().filter((s) => ['RSA private key (PKCS#1)', 'OpenSSH private key', 'JWT', 'password= assignment', 'Anthropic key'].includes(s.name));
let stack: Stack;
const seen: Array<{ id: string; secret: CorpusSecret; status: number; client: string }> = [];

beforeAll(async () => {
  stack = await startStack({ config: { audit: { payloads: 'full' } } });
  const token = await stack.token(['analysts'], 'ann');
  let n = 0;
  for (const [name, route] of Object.entries(ROUTES)) {
    for (const secret of secrets) {
      for (const size of SIZES) {
        const id = `split-${name}-${n++}`;
        const res = await request(`${stack.url}${route.path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': id,
            'x-mock-reply-json': JSON.stringify(inProse(secret.value)).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
            'x-mock-chunk': String(size),
          },
          body: JSON.stringify(route.body),
        });
        seen.push({ id, secret, status: res.statusCode, client: await res.body.text() });
      }
    }
  }
  await stack.sluice.close(); // flushes the audit writer
}, 120_000);
afterAll(async () => stack?.close());

describe('secrets split across stream deltas, through the gateway', () => {
  it('every stream completed', () => {
    expect(seen.length).toBe(Object.keys(ROUTES).length * secrets.length * SIZES.length);
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
  });

  it('the client never receives a fragment of the secret', () => {
    const leaks = seen.map((s) => ({ id: s.id, leaked: leakedFragments(s.secret.core, s.client) })).filter((l) => l.leaked.length > 0);
    expect(leaks).toEqual([]);
    // …and it did receive the stream (the redaction marker, not an empty body).
    for (const s of seen) expect(s.client, s.id).toContain('[REDACTED:');
  });

  it('the audit record of each stream holds no fragment either', () => {
    const lines = readdirSync(stack.auditDir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(stack.auditDir, f), 'utf8').split('\n'))
      .filter((l) => l !== '');
    const byId = new Map(lines.map((l) => JSON.parse(l) as { requestId: string; response: { text?: string } }).map((r) => [r.requestId, r]));
    for (const s of seen) {
      const rec = byId.get(s.id);
      expect(rec?.response.text, s.id).toBeTruthy();
      expect(leakedFragments(s.secret.core, JSON.stringify(rec)), s.id).toEqual([]);
    }
  });
});
