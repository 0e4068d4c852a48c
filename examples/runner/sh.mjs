// Run a command, optionally echoing its output line by line with a prefix; never throws.
import { spawn } from 'node:child_process';

/**
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string, timedOut: boolean }>}
 */
export function sh(cmd, args, { cwd, env, timeoutMs = 120_000, echo } = {}) {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: 127, stdout: '', stderr: err.message, timedOut: false });
      return;
    }
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const pending = { out: '', err: '' };
    const emit = (which, chunk, final = false) => {
      if (echo === undefined) return;
      pending[which] += chunk;
      const lines = pending[which].split('\n');
      pending[which] = final ? '' : lines.pop();
      for (const l of lines) if (!(final && l === '')) process.stdout.write(`${echo}${l}\n`);
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      emit('out', d.toString());
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      emit('err', d.toString());
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${err.message}`, timedOut });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      emit('out', '', true);
      emit('err', '', true);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** The first line of a command's version output, or undefined when it cannot run. */
export async function versionOf(cmd, args = ['-version']) {
  const r = await sh(cmd, args, { timeoutMs: 20_000 });
  if (r.code !== 0) return undefined;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}
