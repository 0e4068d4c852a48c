// The audit trail never keeps raw detected values, even when policy lets them through or refuses the caller.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startStack, REPO, type Stack } from '../helpers/stack.js';

const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.roe@example.com';
const IP = '10.20.30.40';

async function chat(stack: Stack, token: string, content: string) {
  const res = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-mock-reply': `Echo: ${content}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  await res.body.text();
  return res.statusCode;
}

const auditText = (stack: Stack) => readdirSync(stack.auditDir).map((f) => readFileSync(join(stack.auditDir, f), 'utf8')).join('\n');

// Inline, the audit step redacts the copy itself; in the pool (large bodies), the worker prepares the copies.
describe.each([
  ['inspected inline', 1 << 20],
  ['inspected in the pool', 0],
])('audit redaction, %s', (_how, inlineBelowBytes) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ policiesDir: join(REPO, 'test/fixtures/e2e/report-policy'), config: { inspection: { inlineBelowBytes } } });
  });
  afterAll(async () => stack?.close());

  it('keeps no raw value for report findings, nor for a refused caller', async () => {
    expect(await chat(stack, await stack.token(['analysts'], 'ann'), `card ${CARD} host ${IP} mail ${EMAIL}`)).toBe(200);
    // `report` forwards the value untouched: the provider saw it (that is the policy's choice)...
    expect(stack.mock.received.at(-1)!.body).toContain(CARD);
    expect(await chat(stack, await stack.token(['interns'], 'ivan'), `card ${CARD} mail ${EMAIL}`)).toBe(403);
    // A justification is caller free text: masked before it is recorded.
    const res = await request(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.token(['analysts'], 'ann')}`, 'content-type': 'application/json', 'x-sluice-justification': `refund for card ${CARD}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    await res.body.text();
    await stack.sluice.close();
    const text = auditText(stack);
    // ...but the audit trail keeps neither the request nor the echoed response raw.
    expect(text.replace(/\D/g, '')).not.toContain('4111111111111111');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(IP);
    expect(text).toContain('[REDACTED:card]');
    const records = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(records.filter((r) => r.kind === 'exchange').map((r) => r.decision)).toEqual(['masked', 'blocked', 'allowed']);
    expect(records.at(-1).justification).toMatch(/^refund for card /);
  });
});
