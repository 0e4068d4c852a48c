// The Python examples' virtualenv: examples/.venv (or $SLUICE_EXAMPLES_VENV), created on first use, with each
// example's pinned requirements installed by pip from whatever index pip is configured for (on CI machines here,
// a local one). When Python, venv or a package is missing, the reason comes from the tool's own output.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sh } from './sh.mjs';

const installed = new Map();

export async function pythonWith(ctx, requirementsFile) {
  const venv = process.env.SLUICE_EXAMPLES_VENV ?? join(ctx.repo, 'examples/.venv');
  const python = join(venv, 'bin/python');
  if (!existsSync(python)) {
    const base = process.env.PYTHON ?? 'python3';
    console.log(`-- creating a virtualenv: ${base} -m venv ${venv}`);
    const r = await sh(base, ['-m', 'venv', venv], { timeoutMs: 120_000 });
    if (r.code !== 0) return { skip: `${base} -m venv failed (${lastLines(r)}); Debian: apt-get install python3-venv` };
  }
  const rel = relative(ctx.repo, requirementsFile);
  if (!installed.has(rel)) {
    console.log(`-- pip install -r ${rel}`);
    // No retries against an index this machine cannot reach: fail in a second, not in a minute.
    const env = { ...process.env, PIP_RETRIES: process.env.PIP_RETRIES ?? '0', PIP_DISABLE_PIP_VERSION_CHECK: '1' };
    const r = await sh(python, ['-m', 'pip', 'install', '-q', '-r', requirementsFile], { env, timeoutMs: 900_000 });
    installed.set(rel, r.code === 0 ? null : `pip could not install ${rel}: ${lastLines(r)}`);
  }
  const reason = installed.get(rel);
  return reason ? { skip: reason, python } : { python };
}

function lastLines(r) {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.startsWith('ERROR') || /error/i.test(l)).filter((l) => !l.startsWith('WARNING'));
  return (lines.length ? lines.slice(-2) : [`exit ${r.code}`]).join(' / ').trim();
}
