// Operations: TLS termination and verified HTTPS upstreams, the HTTP engine named at start, graceful shutdown.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import OpenAI from 'openai';
import { startStack, REPO } from '../helpers/stack.js';

const CERT = join(REPO, 'test/fixtures/shadow/test-only-loopback.crt');
const KEY = join(REPO, 'test/fixtures/shadow/test-only-loopback.key');
const ca = readFileSync(CERT);

describe('TLS', () => {
  it('terminates TLS with the configured certificate', async () => {
    const stack = await startStack({ config: { server: { tls: { certFile: CERT, keyFile: KEY } } } });
    try {
      expect(stack.url.startsWith('https://')).toBe(true);
      const token = await stack.token(['analysts']);
      const res = await request(`${stack.url}/v1/models`, { headers: { authorization: `Bearer ${token}` }, dispatcher: new Agent({ connect: { ca } }) });
      expect(res.statusCode).toBe(200);
      await res.body.text();
      // Without trusting the test CA the client refuses, proving it really is TLS with that certificate.
      await expect(request(`${stack.url}/healthz`)).rejects.toThrow();
    } finally {
      await stack.close();
    }
  });

  it('verifies HTTPS upstream certificates by default and accepts a configured CA', async () => {
    const upstream = createServer({ cert: ca, key: readFileSync(KEY) }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"object":"list","data":[{"id":"m","object":"model"}]}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    const stack = await startStack({
      policiesDir: join(REPO, 'test/fixtures/e2e/open-policy'),
      override: (c) => ({
        ...c,
        connections: [
          ...c.connections,
          { ...c.connections[0], name: 'strict', baseUrl: `https://127.0.0.1:${port}/v1`, default: false },
          { ...c.connections[0], name: 'trusted', baseUrl: `https://127.0.0.1:${port}/v1`, caFile: CERT, default: false },
        ],
      }),
    });
    try {
      const token = await stack.token(['analysts']);
      const call = async (conn: string) => {
        const r = await request(`${stack.url}/${conn}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
        return { status: r.statusCode, body: await r.body.text() };
      };
      const strict = await call('strict');
      expect(strict.status).toBe(502);
      expect(strict.body).toContain('SLUICE_UPSTREAM_UNREACHABLE');
      expect((await call('trusted')).status).toBe(200);
    } finally {
      await stack.close();
      upstream.close();
    }
  });
});

describe('HTTP engine at start', () => {
  it('names the engine that runs and why; a bad $SLUICE_ENGINE refuses to start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-engine-'));
    const file = join(dir, 'sluice.yaml');
    writeFileSync(
      file,
      `server: { port: 0, engine: node }\nconnections:\n  - { name: openai, provider: openai, baseUrl: "http://127.0.0.1:9/v1" }\npolicies: { dir: ${join(REPO, 'policies')}, watch: false }\naudit: { dir: ${join(dir, 'audit')} }\nlogging: { level: silent }\n`,
    );
    const env = { ...process.env };
    delete env.SLUICE_ENGINE;
    const child = spawn(process.execPath, [join(REPO, 'bin/sluice.js'), 'start', '--config', file], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!err.includes('listening on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(err).toContain(`sluice: HTTP engine node: node:http (Node ${process.versions.node}) (server.engine: node)`);

    const refused = spawnSync(process.execPath, [join(REPO, 'bin/sluice.js'), 'start', '--config', file], {
      env: { ...env, SLUICE_ENGINE: 'fast' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('SLUICE_ENGINE must be one of auto, uws, node');
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight stream finish, then stops accepting', async () => {
    const stack = await startStack();
    const token = await stack.token(['analysts']);
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] },
      { headers: { 'x-mock-token-delay-ms': '40' } },
    );
    const closing = stack.sluice.close();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    await closing;
    expect(text).toContain('one two three four five six');
    await expect(request(`${stack.url}/healthz`)).rejects.toThrow();
    await stack.close();
  });
});
