// Micro benchmarks: every bench/micro/*.bench.js, each in its own child process, bounded in time.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './sluice-config.js';

const MICRO_DIR = join(REPO, 'bench/micro');
const FILE_TIMEOUT_MS = 120_000;

export function microFiles(dir = MICRO_DIR) {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.bench.js')).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}

function runFile(file, quick, log) {
  return new Promise(function run(resolve) {
    const child = spawn(process.execPath, ['--expose-gc', join(REPO, 'bench/lib/micro-child.js'), file, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let rows = null;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), FILE_TIMEOUT_MS);
    child.stdout.on('data', (d) => log(d.toString().replace(/\n$/, '').replace(/^/gm, '    ')));
    child.stderr.on('data', (d) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('message', (m) => {
      if (m?.type === 'rows') rows = m.rows;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const name = file.slice(MICRO_DIR.length + 1);
      if (code === 0) resolve({ file: name, rows: rows ?? [], selfReported: rows === null });
      else resolve({ file: name, rows: [], error: `${signal ? `killed (${signal}, over ${FILE_TIMEOUT_MS / 1000} s?)` : `exit ${code}`}: ${lastLine(stderr)}` });
    });
  });
}

function lastLine(text) {
  const lines = text.trim().split('\n').filter((l) => l.trim() && !l.trim().startsWith('at '));
  return lines.at(-1)?.trim() ?? '';
}

/** Runs the files one after another (never in parallel: they would steal each other's core). */
export async function runMicro({ quick, log, files = microFiles() }) {
  const out = [];
  for (const file of files) {
    log(`micro: ${file.slice(MICRO_DIR.length + 1)}`);
    out.push(await runFile(file, quick, log));
  }
  return out;
}
