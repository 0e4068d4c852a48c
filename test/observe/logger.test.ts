// Warnings and errors reach the log at once (with the info lines before them), even when the process is killed next.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { REPO } from '../helpers/stack.js';

const child = `
  const { createLogger } = await import(${JSON.stringify(`${REPO}/dist/observe/logger.js`)});
  const log = createLogger('info');
  log.info({ n: 1 }, 'first info');
  log.warn({ n: 2 }, 'policy reload failed');
  log.info({ n: 3 }, 'buffered info after the warning');
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50);
`;

describe('logger', () => {
  it('writes a warning, and the lines before it, before a kill -9', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', timeout: 10_000 });
    expect(r.signal).toBe('SIGKILL');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['first info', 'policy reload failed']);
  });
});
