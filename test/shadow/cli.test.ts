import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shadowCommand } from '../../src/shadow/cli.js';
import { FIXTURES } from './helpers.js';

const fx = (name: string) => join(FIXTURES, name);

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await shadowCommand(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

describe('sluice shadow scan', () => {
  it('prints a table and exits 1 when it finds shadow calls', async () => {
    const { code, out } = await run('scan', fx('squid-access.log'));
    expect(code).toBe(1);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^SOURCE\s+HOST\s+PROVIDER\s+COUNT\s+FIRST SEEN\s+LAST SEEN$/);
    expect(lines[1]).toMatch(/^10\.1\.2\.3\s+api\.openai\.com\s+openai\s+2\s+2023-11-14T22:13:20\.123Z\s+2023-11-14T22:15:00\.000Z$/);
    expect(out).toContain('1 file(s), 7 line(s): 4 shadow call(s) from 3 source(s) to 3 host(s); 1 malformed line(s) skipped');
  });

  it('prints JSON with --format json', async () => {
    const { code, out } = await run('scan', '--format', 'json', fx('flows.jsonl'), fx('nginx-access.log'));
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ lines: 18, malformed: 5, shadow: 9 });
    expect(report.files.map((f: { file: string }) => f.file)).toEqual([fx('flows.jsonl'), fx('nginx-access.log')]);
    expect(report.entries[0]).toMatchObject({ count: 2 });
  });

  it('exits 0 when the logs hold no shadow calls', async () => {
    const { code, out } = await run('scan', '--format=table', fx('clean.log'));
    expect(code).toBe(0);
    expect(out).toContain('No shadow-AI calls found.');
  });

  it('extends the catalogue from egress.signatures in --config', async () => {
    const without = JSON.parse((await run('scan', '--format', 'json', fx('mixed.log'))).out);
    const withCfg = JSON.parse((await run('scan', '--format', 'json', '--config', fx('sluice-egress.yaml'), fx('mixed.log'))).out);
    expect(without.shadow).toBe(2);
    expect(withCfg.shadow).toBe(3);
    expect(withCfg.entries.map((e: { host: string }) => e.host)).toContain('llm.corp.example');
  });

  it('replaces control characters from log lines in the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-shadow-'));
    const file = join(dir, 'evil.jsonl');
    writeFileSync(file, '{"src":"\\u001b[31mevil","query":"api.openai.com"}\n');
    const { code, out } = await run('scan', file);
    rmSync(dir, { recursive: true });
    expect(code).toBe(1);
    expect(out).toContain('?[31mevil');
    expect(out).not.toContain('\u001b');
  });

  const usage: Array<[string, string[], string]> = [
    ['no subcommand', [], 'missing subcommand'],
    ['unknown subcommand', ['scna'], 'unknown subcommand "scna"'],
    ['no files', ['scan'], 'no log files given'],
    ['bad format', ['scan', '--format', 'xml', 'f'], '--format must be "table" or "json", not "xml"'],
    ['missing option value', ['scan', 'f', '--config'], '--config needs a value'],
    ['unknown option', ['scan', '--fast', 'f'], 'unknown option "--fast"'],
    ['unreadable file', ['scan', '/nonexistent/access.log'], 'cannot read /nonexistent/access.log (ENOENT)'],
    ['bad config', ['scan', '--config', '/nonexistent/sluice.yaml', 'f'], 'cannot read config file'],
  ];
  it.each(usage)('exits 2 on %s', async (_n, argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it('prints help with exit 0', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toContain('usage: sluice shadow scan');
  });
});
