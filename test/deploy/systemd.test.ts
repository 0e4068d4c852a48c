// deploy/systemd/sluice.service checked by systemd's own tools, offline: `systemd-analyze verify` (syntax, known
// directives, executables) and `systemd-analyze security --offline` (hardening score). No systemd runs here, so the
// unit is not started (docs/deploy.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/stack.js';

const UNIT = join(REPO, 'deploy/systemd/sluice.service');
const analyze = (args: string[]) => spawnSync('systemd-analyze', args, { encoding: 'utf8' });

describe('systemd unit', () => {
  it('systemd-analyze is installed (Debian: systemd; .ci/run installs it)', () => {
    expect(analyze(['--version']).status).toBe(0);
  });

  it('verifies with no warning at all (verify exits 0 even on an unknown directive, so its output must be empty)', () => {
    const r = analyze(['verify', UNIT]);
    expect(r.status).toBe(0);
    expect((r.stdout + r.stderr).trim()).toBe('');
  });

  it('and verify does notice a misspelt directive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-unit-'));
    try {
      const bad = join(dir, 'sluice.service');
      writeFileSync(bad, readFileSync(UNIT, 'utf8').replace('ProtectHome=yes', 'ProtectHomee=yes'));
      expect(analyze(['verify', bad]).stderr).toContain("Unknown key 'ProtectHomee'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is hardened: exposure level at most 2.0 of 10 (systemd-analyze security --offline)', () => {
    const r = analyze(['security', '--offline=true', '--no-pager', UNIT]);
    const level = /Overall exposure level for sluice\.service: ([\d.]+)/.exec(r.stdout + r.stderr);
    expect(level, r.stdout + r.stderr).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(2.0);
  });

  it('runs the installed CLI directly (no npm in between) with the production config, restarting on failure', () => {
    const unit = readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/sluice\/node_modules\/sluice\/bin\/sluice\.js start --config \/etc\/sluice\/sluice\.yaml$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^User=sluice$/m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/sluice\/sluice\.env$/m);
  });
});
