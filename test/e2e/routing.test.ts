// Model routing end to end (issue 19): official SDKs → Sluice → two fault-injecting mock providers on 127.0.0.1.
import { createServer } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { startStack, REPO, type Stack } from '../helpers/stack.js';
import { startMockProvider, waitFor, type MockBehaviour, type MockProvider } from '../helpers/mock.js';

interface Rec {
  kind: string;
  requestId: string;
  model: string | null;
  connection: string | null;
  status: number | null;
  error: string | null;
  aborted: boolean;
  identity: { subject: string } | null;
  routing?: { logical: string; connection: string | null; model: string | null; attempts: Array<{ connection: string; model: string; status: number | null; error: string | null; outcome: string }> };
}

let stack: Stack;
let a: MockProvider;
let b: MockProvider;
let jobs: string;
const calls = new Map<string, number>();

/** Fault injection on provider A, by the model the target asks for. */
function faultsOnA(model: string): MockBehaviour | undefined {
  const n = (calls.get(model) ?? 0) + 1;
  calls.set(model, n);
  switch (model) {
    case 'storm-on-a':
    case 'claude-storm':
      return { status: 429, headers: { 'retry-after': '1', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' } };
    case 'cut-a':
      return { resetAfter: 12, tokenDelayMs: 5, reply: 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma' };
    case 'err500-a':
      return n === 1 ? { status: 500 } : undefined;
    case 'once-429':
      return n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : undefined;
    case 'slow-429':
      return { status: 429, headers: { 'retry-after': '1' } };
    case 'long-429':
      return { status: 429, headers: { 'retry-after': '60' } };
    case 'deadline-503':
      return { status: 503, headers: { 'retry-after': '2' } };
    case 'always-500':
      return { status: 500 };
    case 'down-a':
      return { status: 503 };
    default:
      return undefined;
  }
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// Exchange records by request id, read incrementally (the 10k-request test makes the trail large).
const byId = new Map<string, Rec[]>();
const readUpTo = new Map<string, number>();
function readNewRecords(): void {
  for (const f of readdirSync(stack.auditDir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const buf = readFileSync(join(stack.auditDir, f));
    const from = readUpTo.get(f) ?? 0;
    const end = buf.lastIndexOf(0x0a) + 1;
    if (end <= from) continue;
    readUpTo.set(f, end);
    for (const line of buf.subarray(from, end).toString('utf8').split('\n')) {
      if (line === '') continue;
      const r = JSON.parse(line) as Rec;
      if (r.kind !== 'exchange') continue;
      byId.set(r.requestId, [...(byId.get(r.requestId) ?? []), r]);
    }
  }
}

async function recordOf(requestId: string): Promise<Rec> {
  let found: Rec[] = [];
  await waitFor(() => {
    readNewRecords();
    found = byId.get(requestId) ?? [];
    return found.length > 0;
  }, 3000, `audit record ${requestId}`);
  // Exactly one record per exchange, whatever the number of attempts.
  expect(found).toHaveLength(1);
  return found[0];
}

const received = (m: MockProvider, model: string) => m.received.filter((r) => r.body.includes(`"model":"${model}"`)).length;

beforeAll(async () => {
  a = await startMockProvider({ quiet: true, maxReceived: 20_000 });
  b = await startMockProvider({ quiet: true, maxReceived: 20_000 });
  a.setScript((req) => faultsOnA(String((req.json as { model?: unknown } | undefined)?.model)));
  const dead = await closedPort();
  const conn = (name: string, url: string, provider = 'openai') => ({ name, provider, baseUrl: `${url}/v1`, credential: `sk-${name}` });
  stack = await startStack({
    policiesDir: join(REPO, 'test/fixtures/e2e/routing-policy'),
    config: {
      connections: [
        { ...conn('openai', a.url), default: true },
        conn('a', a.url),
        conn('b', b.url),
        conn('dead', `http://127.0.0.1:${dead}`),
        conn('anthropic-a', a.url, 'anthropic'),
        conn('anthropic-b', b.url, 'anthropic'),
      ],
      // Routing state (breakers, cool-downs, round robin) is per HTTP thread: one thread makes the counts exact.
      server: { threads: 1 },
      routes: {
        models: {
          spread: [{ connection: 'a', model: 'spread-a', weight: 3 }, { connection: 'b', model: 'spread-b', weight: 1 }],
          storm: [{ connection: 'a', model: 'storm-on-a' }, { connection: 'b', model: 'storm-on-b' }],
          dead: [{ connection: 'dead', model: 'dead-x' }, { connection: 'b', model: 'dead-b' }],
          cut: [{ connection: 'a', model: 'cut-a' }],
          'cut-backup': [{ connection: 'b', model: 'cut-b' }],
          err500: [{ connection: 'a', model: 'err500-a' }],
          once429: [{ connection: 'a', model: 'once-429' }],
          long429: [{ connection: 'a', model: 'long-429' }],
          slow429: [{ connection: 'a', model: 'slow-429' }],
          deadline: [{ connection: 'a', model: 'deadline-503' }],
          primary: [{ connection: 'a', model: 'down-a' }],
          broken: [{ connection: 'a', model: 'always-500' }],
          backup: [{ connection: 'b', model: 'backup-b' }],
          mixed: [{ connection: 'a', model: 'gpt-4o-mini-a' }, { connection: 'b', model: 'gpt-4o-mini' }],
          strictmix: [{ connection: 'a', model: 'sm-a' }, { connection: 'b', model: 'sm-b' }],
          'claude-routed': [{ connection: 'anthropic-a', model: 'claude-storm' }, { connection: 'anthropic-b', model: 'claude-ok' }],
        },
        aliases: { fast: 'spread' },
        fallbacks: { cut: ['cut-backup'], primary: ['backup'] },
        retry: { baseDelayMs: 20, maxRetryAfterMs: 5000, budgetMinPerSecond: 10_000 },
        breaker: { minRequests: 5, openSeconds: 30 },
      },
    },
  });
  jobs = await stack.token(['jobs'], 'flink', 'enrichment');
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await a?.close();
  await b?.close();
});

const openai = (token = jobs, headers: Record<string, string> = {}) => new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0, defaultHeaders: headers });

async function chat(model: string, token = jobs, headers: Record<string, string> = {}) {
  const res = await openai(token, headers).chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
  return { data: res.data, requestId: res.response.headers.get('x-request-id')! };
}

describe('model routing', () => {
  it('spreads 10k requests by weight (3:1) within 2%', async () => {
    const N = 10_000;
    let next = 0;
    let failures = 0;
    const body = JSON.stringify({ model: 'spread', messages: [{ role: 'user', content: 'hi' }] });
    const worker = async () => {
      while (next < N) {
        next++;
        const res = await request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${jobs}`, 'content-type': 'application/json' }, body });
        await res.body.text();
        if (res.statusCode !== 200) failures++;
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(failures).toBe(0);
    const onA = received(a, 'spread-a');
    const onB = received(b, 'spread-b');
    expect(onA + onB).toBe(N);
    expect(Math.abs(onA / N - 0.75)).toBeLessThan(0.02);
  }, 180_000);

  it('rewrites the model per target and names logical and resolved model in the one audit record', async () => {
    const { data, requestId } = await chat('fast');
    expect(data.choices[0].message.content).toContain('hello');
    const rec = await recordOf(requestId);
    expect(rec.model).toBe('fast');
    expect(rec.routing?.logical).toBe('spread');
    expect(['spread-a', 'spread-b']).toContain(rec.routing?.model);
    expect(rec.connection).toBe(rec.routing?.connection);
    expect(rec.routing?.attempts).toHaveLength(1);
  });

  it('moves a 429 storm on one target to the other with no client error, and opens its circuit', async () => {
    // Three waves of 20: only the first can meet target a (half of it, before any 429 came back).
    const results: Array<PromiseSettledResult<{ requestId: string }>> = [];
    for (let wave = 0; wave < 3; wave++) results.push(...(await Promise.allSettled(Array.from({ length: 20 }, () => chat('storm')))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const ids = results.map((r) => (r as PromiseFulfilledResult<{ requestId: string }>).value.requestId);
    const recs = await Promise.all(ids.map(recordOf));
    expect(recs.every((r) => r.status === 200 && r.routing?.model === 'storm-on-b')).toBe(true);
    const retried = recs.filter((r) => r.routing!.attempts.length === 2);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried[0].routing!.attempts.map((x) => [x.connection, x.status, x.outcome])).toEqual([['a', 429, 'retried'], ['b', 200, 'committed']]);
    // The provider's retry-after cools the target down and the failures open its breaker: most requests never try it.
    expect(received(a, 'storm-on-a')).toBeLessThanOrEqual(10);
    const metrics = await (await request(`${stack.url}/metrics`)).body.text();
    expect(metrics).toContain('sluice_circuit_open{connection="a",model="storm-on-a"} 1');
    expect(metrics).toMatch(/sluice_route_retries_total\{connection="a",reason="429"\} \d+/);
    const ready = JSON.parse(await (await request(`${stack.url}/readyz`)).body.text());
    expect(ready.status).toBe('ready');
    expect(ready.checks.routes.detail).toContain('a/storm-on-a circuit open');
  });

  it('retries a connect error on the next target', async () => {
    const recs = await Promise.all(Array.from({ length: 4 }, async () => recordOf((await chat('dead')).requestId)));
    const viaDead = recs.find((r) => r.routing!.attempts.length === 2)!;
    expect(viaDead.routing!.attempts[0]).toMatchObject({ connection: 'dead', status: null, error: 'SLUICE_UPSTREAM_UNREACHABLE', outcome: 'retried' });
    expect(viaDead.routing!.attempts[1]).toMatchObject({ connection: 'b', status: 200, outcome: 'committed' });
  });

  it('never replays a stream after bytes reached the client', async () => {
    const before = received(a, 'cut-a');
    const stream = await openai().chat.completions.create({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] }).withResponse();
    const requestId = stream.response.headers.get('x-request-id')!;
    let text = '';
    await expect(
      (async () => {
        for await (const c of stream.data) text += c.choices[0]?.delta?.content ?? '';
      })(),
    ).rejects.toThrow();
    expect(text.length).toBeGreaterThan(0);
    const rec = await recordOf(requestId);
    expect(received(a, 'cut-a') - before).toBe(1);
    expect(received(b, 'cut-b')).toBe(0);
    expect(rec.routing!.attempts).toHaveLength(1);
    expect(rec.error).toBe('SLUICE_UPSTREAM_RESET');
  });

  it('retries a stream that failed before its first byte (500), on the same target after a backoff', async () => {
    const stream = await openai().chat.completions.create({ model: 'err500', stream: true, messages: [{ role: 'user', content: 'streamed after a retry' }] }).withResponse();
    let text = '';
    for await (const c of stream.data) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toContain('streamed after a retry');
    const rec = await recordOf(stream.response.headers.get('x-request-id')!);
    expect(rec.routing!.attempts.map((x) => x.status)).toEqual([500, 200]);
  });

  it('honours retry-after before retrying the only target', async () => {
    const t0 = Date.now();
    const { requestId } = await chat('once429');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect((await recordOf(requestId)).routing!.attempts.map((x) => x.status)).toEqual([429, 200]);
  });

  it("passes the provider's 429 through when its retry-after is longer than Sluice waits", async () => {
    const t0 = Date.now();
    const err = await chat('long429').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('60');
  });

  it('a client whose SDK timeout ends first cancels the pending retry: one attempt, one record, aborted', async () => {
    await chat('spread'); // warm: the timeout below must not be spent on a first request's setup
    const requestId = `sdk-timeout-${Date.now()}`;
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: jobs, maxRetries: 0, timeout: 600, defaultHeaders: { 'x-request-id': requestId } });
    await expect(client.chat.completions.create({ model: 'slow429', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(OpenAI.APIConnectionTimeoutError);
    const rec = await recordOf(requestId);
    expect(rec.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 1200)); // past the retry-after Sluice would have waited
    expect(received(a, 'slow-429')).toBe(1);
    expect(rec.routing!.attempts.map((x) => [x.status, x.outcome])).toEqual([[429, 'retried']]);
  });

  it('x-sluice-deadline-ms caps retries: no wait that would end after it', async () => {
    const t0 = Date.now();
    const err = await chat('deadline', jobs, { 'x-sluice-deadline-ms': '800' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as { status: number }).status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(800);
  });

  it("gives the client the provider's answer when a failure opens the only breaker, then 503 while it is open", async () => {
    const statusOf = (p: Promise<unknown>) => p.then(() => 200, (e: { status?: number }) => e.status);
    // 3 attempts each: the 5th failure (minRequests) opens the breaker during the second request.
    expect(await statusOf(chat('broken'))).toBe(500);
    expect(await statusOf(chat('broken'))).toBe(500);
    const err = (await chat('broken').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(503);
    expect(err.message).toContain('No target of model "broken" can take the request now');
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(20);
    expect(received(a, 'always-500')).toBe(5);
  });

  it('falls back to another model when every target of the first fails', async () => {
    const { requestId } = await chat('primary');
    const rec = await recordOf(requestId);
    expect(rec.routing!.attempts.map((x) => [x.model, x.status])).toEqual([['down-a', 503], ['backup-b', 200]]);
    expect(rec.routing!.logical).toBe('primary');
  });

  it('policy decides on the resolved model: a target with a model the caller may not use is skipped', async () => {
    const limited = await stack.token(['limited'], 'lee');
    for (let i = 0; i < 4; i++) {
      const rec = await recordOf((await chat('mixed', limited)).requestId);
      expect(rec.routing!.model).toBe('gpt-4o-mini');
    }
    const err = await chat('spread', limited).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('skips a target whose connection inspects with more detectors than the body got', async () => {
    const strict = await stack.token(['strict'], 'sam');
    for (let i = 0; i < 4; i++) expect((await recordOf((await chat('strictmix', strict)).requestId)).routing!.connection).toBe('a');
  });

  it('routes Anthropic SDK calls and moves them off a rate-limited target', async () => {
    const client = new Anthropic({ baseURL: `${stack.url}/anthropic-a`, apiKey: jobs, maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const msg = await client.messages.create({ model: 'claude-routed', max_tokens: 32, messages: [{ role: 'user', content: 'hi claude' }] });
      expect(msg.content[0].type === 'text' && msg.content[0].text).toContain('hi claude');
    }
    expect(received(b, 'claude-ok')).toBe(4);
  });
});
