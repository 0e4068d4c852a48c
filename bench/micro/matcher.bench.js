// Matcher throughput (MB/s) on clean prose, OpenAI chat JSON with ~1% PII and dense PII, side by side
// with a pure-JS RegExp implementation of the same detector set; prefilter-only; SIMD vs scalar WASM.
// Needs `npm run build` (dist/ and build/matcher.wasm). Standalone: `node bench/micro/matcher.bench.js`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { prose, withPii, chatJson } from './matcher-corpus.js';
import { maskText, maskJson } from './matcher-regexp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SIZE = 256 * 1024;

function ensureScalarBuild() {
  if (existsSync(join(ROOT, 'build/matcher-nosimd.wasm'))) return true;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/assemblyscript/bin/asc.js'), 'wasm/assembly/index.ts', '--target', 'nosimd'], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function run({ time = 500 } = {}) {
  const { Matcher } = await import('../../dist/inspect/matcher.js');
  const { compileProfile } = await import('../../dist/inspect/compile.js');
  const { inspectWith } = await import('../../dist/inspect/engine.js');
  const { defaultProfile } = await import('../../dist/inspect/profile.js');
  const enc = new TextEncoder();
  const c = compileProfile(defaultProfile('00112233445566778899aabbccddeeff'));
  const corpora = {
    prose: { kind: 'text', str: prose(SIZE) },
    'chat JSON 1% PII': { kind: 'json', str: chatJson(SIZE, 0.01) },
    'dense PII': { kind: 'text', str: withPii(SIZE, 0.5) },
  };
  for (const v of Object.values(corpora)) v.bytes = enc.encode(v.str);
  const flavors = ensureScalarBuild() ? ['simd', 'nosimd'] : ['simd'];
  const matchers = Object.fromEntries(flavors.map((f) => [f, new Matcher(f)]));
  const bytesPerOp = {};
  const bench = new Bench({ name: 'matcher', time });
  const add = (name, bytes, fn) => {
    bytesPerOp[name] = bytes;
    bench.add(name, fn);
  };
  for (const [label, v] of Object.entries(corpora)) {
    for (const f of flavors) add(`sluice ${f}: ${label}`, v.bytes.length, () => inspectWith(c, matchers[f], v.bytes, v.kind, 's'));
    add(`regexp: ${label}`, v.bytes.length, () => (v.kind === 'json' ? maskJson(v.str) : maskText(v.str)));
  }
  for (const f of flavors) {
    const m = matchers[f];
    add(`prefilter ${f}: prose`, corpora.prose.bytes.length, () => {
      m.use(c.table);
      m.prefilter(m.loadBytes(corpora.prose.bytes), corpora.prose.bytes.length, c.table, c.enabled);
    });
  }
  await bench.run();
  const rows = bench.tasks.map((t) => {
    const r = t.result;
    const ops = r.throughput.mean;
    return { name: t.name, opsPerSec: ops, meanUs: r.latency.mean * 1000, p99Us: r.latency.p99 * 1000, rme: r.latency.rme, mbPerSec: (ops * bytesPerOp[t.name]) / 1e6 };
  });
  const mb = (name) => rows.find((r) => r.name === name)?.mbPerSec;
  for (const label of Object.keys(corpora)) {
    const ratio = mb(`sluice simd: ${label}`) / mb(`regexp: ${label}`);
    rows.push({ name: `ratio sluice/regexp: ${label}`, ratio });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await run({ time: Number(process.env.BENCH_TIME ?? 500) });
  for (const r of rows) {
    if (r.ratio !== undefined) console.log(`${r.name.padEnd(44)} ${r.ratio.toFixed(1)}x`);
    else console.log(`${r.name.padEnd(44)} ${r.mbPerSec.toFixed(0).padStart(7)} MB/s  (${r.meanUs.toFixed(0)} µs/op ±${r.rme.toFixed(1)}%)`);
  }
}
