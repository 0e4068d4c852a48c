// The demo issuer's client_credentials token endpoint (issue 20) on a whole Sluice in demo mode: tokens carry the
// client's identity and work on the gateway; client authentication and request errors follow RFC 6749 §2.3 / §5.2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { decodeJwt } from 'jose';
import { startStack, type Stack } from '../helpers/stack.js';
import { parseConfig, ConfigError } from '../../src/config/load.js';

const SECRET = 'flink-secret-0123456789';
// Characters that must be form-encoded inside HTTP Basic credentials (RFC 6749 §2.3.1).
const ODD_SECRET = 'p:ss+w%rd/with spaces&=';
let stack: Stack;
let demoDir: string;
let tokenUrl: string;

beforeAll(async () => {
  demoDir = mkdtempSync(join(tmpdir(), 'sluice-demo-token-'));
  stack = await startStack({
    config: {
      demo: {
        enabled: true,
        dir: demoDir,
        mockProviderPort: 0,
        clients: [
          { id: 'flink-enrichment', secret: SECRET, groups: ['streaming-jobs'], ttlSeconds: 120 },
          { id: 'odd-client', secret: ODD_SECRET, groups: ['analysts'], subject: 'svc-odd', job: 'odd-job' },
        ],
      },
      // Demo mode adds the demo issuer (from demo.dir) itself.
      identity: { issuers: [] },
    },
  });
  tokenUrl = `${stack.url}/sluice/demo/token`;
});
afterAll(async () => {
  await stack?.close();
  if (demoDir) rmSync(demoDir, { recursive: true, force: true });
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(tokenUrl, { method: 'POST', headers: { ...FORM, ...headers }, body });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /sluice/demo/token (client_credentials)', () => {
  it('issues a short-lived token with the client identity (HTTP Basic), usable on the gateway', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await post('grant_type=client_credentials', { authorization: basic('flink-enrichment', SECRET) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 120 });
    const token = res.json.access_token as string;
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'sluice-demo', aud: 'sluice', sub: 'flink-enrichment', azp: 'flink-enrichment', groups: ['streaming-jobs'] });
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(claims.iat).toBeGreaterThanOrEqual(before);

    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0 });
    const out = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail jane@example.com' }] });
    expect(out.choices[0].message.content).toContain('You said');
    // streaming-jobs tokenize e-mail addresses: the provider never saw this one.
    expect(stack.mock.received.at(-1)!.body).not.toContain('jane@example.com');
  });

  it('accepts client_secret_post and form-encoded Basic credentials, with subject and job from config', async () => {
    const post1 = await post(`grant_type=client_credentials&client_id=odd-client&client_secret=${encodeURIComponent(ODD_SECRET)}`);
    expect(post1.status).toBe(200);
    expect(decodeJwt(post1.json.access_token as string)).toMatchObject({ sub: 'svc-odd', azp: 'odd-job', groups: ['analysts'] });
    expect(post1.json.expires_in).toBe(300);
    const post2 = await post('grant_type=client_credentials&client_id=odd-client', { authorization: basic('odd-client', ODD_SECRET) });
    expect(post2.status).toBe(200);
  });

  it('answers a wrong secret and an unknown client alike: 401 invalid_client with WWW-Authenticate', async () => {
    const wrong = await post('grant_type=client_credentials', { authorization: basic('flink-enrichment', `${SECRET}x`) });
    const unknown = await post('grant_type=client_credentials', { authorization: basic('nobody', SECRET) });
    const viaBody = await post(`grant_type=client_credentials&client_id=flink-enrichment&client_secret=nope`);
    for (const r of [wrong, unknown, viaBody]) {
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm="sluice-demo"/);
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
    const none = await post('grant_type=client_credentials');
    expect(none.status).toBe(401);
    expect(none.json.error).toBe('invalid_client');
    const bearer = await post('grant_type=client_credentials', { authorization: 'Bearer abc' });
    expect(bearer.json.error).toBe('invalid_client');
    const malformed = await post('grant_type=client_credentials', { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` });
    expect(malformed.status).toBe(401);
  });

  it.each([
    ['missing grant_type', '', 400, 'invalid_request'],
    ['another grant', 'grant_type=password&username=a&password=b', 400, 'unsupported_grant_type'],
    ['a repeated parameter', 'grant_type=client_credentials&grant_type=client_credentials', 400, 'invalid_request'],
    ['a scope', 'grant_type=client_credentials&scope=admin', 400, 'invalid_scope'],
  ])('refuses %s', async (_name, body, status, error) => {
    const r = await post(body, { authorization: basic('flink-enrichment', SECRET) });
    expect(r.status).toBe(status);
    expect(r.json.error).toBe(error);
    expect(typeof r.json.error_description).toBe('string');
  });

  it('refuses two authentication methods at once, a mismatched client_id, JSON bodies and GET', async () => {
    const both = await post(`grant_type=client_credentials&client_secret=${SECRET}`, { authorization: basic('flink-enrichment', SECRET) });
    expect([both.status, both.json.error]).toEqual([400, 'invalid_request']);
    const mismatch = await post('grant_type=client_credentials&client_id=odd-client', { authorization: basic('flink-enrichment', SECRET) });
    expect([mismatch.status, mismatch.json.error]).toEqual([400, 'invalid_request']);
    const json = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic('flink-enrichment', SECRET) },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
    const get = await fetch(tokenUrl);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('is not served outside demo mode', async () => {
    const plain = await startStack();
    try {
      const res = await fetch(`${plain.url}/sluice/demo/token`, { method: 'POST', headers: { ...FORM, authorization: basic('flink-enrichment', SECRET) }, body: 'grant_type=client_credentials' });
      expect(res.status).toBe(404);
      expect(JSON.stringify(await res.json())).not.toContain('access_token');
    } finally {
      await plain.close();
    }
  });
});

describe('demo.clients configuration', () => {
  const base = `connections:\n  - { name: openai, provider: openai, baseUrl: "http://127.0.0.1:9/v1" }\ndemo:\n  enabled: true\n  clients:\n`;
  const problems = (clients: string): string => {
    try {
      parseConfig(base + clients, '/etc/sluice.yaml', {});
      return '';
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).message;
    }
  };

  it('reads clients with defaults', () => {
    const { config } = parseConfig(`${base}    - { id: job-a, secret: "0123456789abcdef", groups: [g] }\n`, '/etc/sluice.yaml', {});
    expect(config.demo.clients).toEqual([{ id: 'job-a', secret: '0123456789abcdef', groups: ['g'], subject: 'job-a', job: 'job-a', ttlSeconds: 300 }]);
  });

  it.each([
    ['a short secret', '    - { id: a, secret: short, groups: [g] }\n', '/etc/sluice.yaml:6:24: demo.clients[0].secret: must be at least 16 characters, found a value that is not shown (secret)'],
    ['no groups', '    - { id: a, secret: "0123456789abcdef" }\n', '/etc/sluice.yaml:6:7: demo.clients[0].groups: is required'],
    ['a bad id', '    - { id: "a b", secret: "0123456789abcdef", groups: [g] }\n', '/etc/sluice.yaml:6:13: demo.clients[0].id: expected 1-128 characters of A-Z a-z 0-9 . _ : -, found "a b"'],
    ['a duplicate id', '    - { id: a, secret: "0123456789abcdef", groups: [g] }\n    - { id: a, secret: "0123456789abcdef", groups: [g] }\n', '/etc/sluice.yaml:7:13: demo.clients[1].id: duplicate client id "a"'],
    ['a ttl out of range', '    - { id: a, secret: "0123456789abcdef", groups: [g], ttlSeconds: 0 }\n', '/etc/sluice.yaml:6:69: demo.clients[0].ttlSeconds: expected an integer from 1 to 86400, found 0'],
    ['an unknown key', '    - { id: a, secret: "0123456789abcdef", groups: [g], scopes: [x] }\n', '/etc/sluice.yaml:6:57: demo.clients[0].scopes: unknown key (expected one of: id, secret, groups, subject, job, ttlSeconds)'],
  ])('refuses %s', (_name, clients, message) => {
    expect(problems(clients)).toContain(message);
  });
});
