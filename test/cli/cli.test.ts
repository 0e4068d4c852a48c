// The `sluice` command as a user runs it (compiled CLI, real processes, the bundled demo config).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/stack.js';

function sluice(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/sluice.js'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('sluice CLI', () => {
  it('validates the bundled configuration', () => {
    const r = sluice(['check-config']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('sluice.yaml: ok');
  });

  it('reports every problem of a bad configuration at once, with file, line, column and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'server:\n  port: high\nconnections: []\n');
    const r = sluice(['check-config', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${file}:2:9: server.port: expected an integer from 0 to 65535, found "high"\n${file}:3:14: connections: at least one connection is required\n`);
  });

  it('mints a demo token and explains a decision with it, verified', () => {
    // The bundled config's demo issuer: the same one `npm start` trusts.
    const token = sluice(['token', '--group', 'agents', '--sub', 'ada']).out.trim();
    expect(token.split('.')).toHaveLength(3);
    const r = sluice(['policy', 'explain', '--token', token, '--request', join(REPO, 'test/fixtures/policy/chat-terraform.json'), '--path', '/openai/v1/chat/completions']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('token verified');
    expect(r.out).toMatch(/approve/);
  });

  it('answers unknown commands with usage and exit code 2', () => {
    const r = sluice(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: sluice');
  });
});
