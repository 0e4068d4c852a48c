// The CLI as an operator meets it: --help everywhere (exit 0, nothing started), unknown flags are errors (exit 2),
// --version, the configuration file named at start, and `npm start` stopped by a signal to npm.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { REPO } from '../helpers/stack.js';

function sluice(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/sluice.js'), ...args], {
    cwd: opts.cwd ?? REPO,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function minimalConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
  const file = join(dir, 'sluice.yaml');
  writeFileSync(
    file,
    `server: { port: 0, shutdownGraceMs: 500 }\nconnections:\n  - { name: openai, provider: openai, baseUrl: "http://127.0.0.1:9/v1" }\n` +
      `policies: { dir: ${join(REPO, 'policies')}, watch: false, secret: cli-test-secret }\naudit: { dir: ${join(dir, 'audit')} }\nlogging: { level: silent }\n`,
  );
  return file;
}

const HELP = [
  ['start'], ['check-config'], ['token'], ['policy'], ['policy', 'check'], ['policy', 'explain'], ['audit'], ['audit', 'verify'],
  ['audit', 'search'], ['audit', 'replay'], ['audit', 'tail'], ['approvals'], ['approvals', 'list'], ['approvals', 'approve'],
  ['shadow'], ['shadow', 'scan'], ['keys'], ['keys', 'generate'],
];

describe('sluice --help', () => {
  it.each(HELP)('%s %s answers --help and -h with usage and exit 0', (...cmd) => {
    for (const flag of ['--help', '-h']) {
      const r = sluice([...cmd, flag]);
      expect(r.code, `${cmd.join(' ')} ${flag}: ${r.err}`).toBe(0);
      expect(r.out.toLowerCase()).toContain('usage:');
      expect(r.out).toContain(`sluice ${cmd[0]}`);
      expect(r.err).toBe('');
    }
  });

  it('start --help starts nothing, even with a config that would start', () => {
    const t = Date.now();
    const r = sluice(['start', '--config', minimalConfig(), '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: sluice start');
    expect(r.err).not.toContain('listening');
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('check-config --help does not validate anything', () => {
    const r = sluice(['check-config', '--config', '/nonexistent.yaml', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: sluice check-config');
  });

  it('answers top-level help, `help <command>` and --version', () => {
    expect(sluice(['--help']).code).toBe(0);
    expect(sluice(['--help']).out).toContain('usage: sluice <command>');
    const h = sluice(['help', 'audit']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('sluice audit verify');
    const v = sluice(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(`sluice ${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}`);
  });
});

describe('sluice rejects what it does not understand', () => {
  const UNKNOWN = [
    ['start', '--confg', 'x.yaml'], ['start', 'extra'], ['check-config', '--confg', 'x.yaml'], ['check-config', 'x.yaml'],
    ['token', '--group', 'a', '--bogus'], ['policy', 'check', '--bogus'], ['policy', 'explain', '--bogus'],
    ['audit', 'verify', '--bogus'], ['audit', 'search', '--bogus'], ['approvals', 'list', '--bogus', '--token', 't'],
    ['shadow', 'scan', 'x.log', '--bogus'], ['keys', 'generate', '--out', '/tmp/x', '--bogus'], ['--bogus'], ['frobnicate'],
  ];
  it.each(UNKNOWN)('%s %s %s → exit 2', (...args) => {
    const r = sluice(args);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.out).not.toContain(': ok');
    expect(r.err).toMatch(/unknown|unexpected|usage/i);
  });

  it('check-config with a mistyped flag names the flag instead of validating the default file', () => {
    const r = sluice(['check-config', '--confg', 'prod.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("'--confg'");
  });

  it('--config needs a value', () => {
    expect(sluice(['check-config', '--config']).code).toBe(2);
    expect(sluice(['check-config', `--config=${minimalConfig()}`]).code).toBe(0);
  });
});

describe('sluice start', () => {
  it('outside the repository, names the bundled demo configuration and says DEMO MODE loudly', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sluice-elsewhere-'));
    const child = spawn(process.execPath, [join(REPO, 'bin/sluice.js'), 'start'], {
      cwd,
      env: { ...process.env, SLUICE_CONFIG: '', SLUICE_PORT: '0', SLUICE_DEMO_PROVIDER_PORT: '0', SLUICE_EGRESS_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await until(() => err.includes('listening on'), 20_000, () => err);
      expect(err).toContain(`config ${join(REPO, 'sluice.yaml')}: the BUNDLED DEMO configuration`);
      expect(err).toContain(cwd);
      expect(err).toContain('DEMO MODE');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('names the file given with --config', async () => {
    const file = minimalConfig();
    const child = spawn(process.execPath, [join(REPO, 'bin/sluice.js'), 'start', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await until(() => err.includes('listening on'), 20_000, () => err);
      expect(err).toContain(`config ${file} (--config)`);
      expect(err).not.toContain('DEMO MODE');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('kill -TERM on the `npm start` process stops the gateway and frees its port', async () => {
    const file = minimalConfig();
    const npm = spawn('npm', ['start', '--silent', '--', '--config', file], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    npm.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
    await until(() => /listening on (\S+)/.test(err), 30_000, () => err);
    const url = /listening on (\S+)/.exec(err)![1];
    expect((await request(`${url}/healthz`)).statusCode).toBe(200);
    npm.kill('SIGTERM');
    await exited;
    // The gateway itself must be gone, not orphaned still holding the port.
    await until(async () => {
      try {
        await (await request(`${url}/healthz`, { reset: true })).body.text();
        return false;
      } catch {
        return true;
      }
    }, 10_000, () => `gateway at ${url} still answers after npm exited`);
  }, 45_000);
});

async function until(check: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
