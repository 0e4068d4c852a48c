// Log scanner throughput (lines/s) on a generated 200k-line mixed log (Squid, nginx combined, JSON lines;
// ~10% calls to LLM APIs), against the floor of just reading the same file with node:readline.
// Uses the compiled code in dist/ (`npx tsc -p tsconfig.build.json`). Run alone: node bench/micro/shadow-scan.bench.js
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const LINES = 200_000;
const LLM = ['api.openai.com', 'api.anthropic.com', 'myres.openai.azure.com', 'bedrock-runtime.us-east-1.amazonaws.com', 'api.groq.com'];
const OTHER = ['github.com', 'registry.npmjs.org', 'pypi.org', 'repo1.maven.org', 's3.eu-west-1.amazonaws.com', 'example.com', 'kafka.internal', 'grafana.internal'];

/** Deterministic mixed log: the same bytes every run. */
export function generate(n) {
  let seed = 42;
  const rnd = (k) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >>> 8) % k; // an LCG's low bits cycle quickly: use the high ones
  };
  const t0 = 1_700_000_000;
  const lines = [];
  for (let i = 0; i < n; i++) {
    const src = `10.${rnd(4)}.${rnd(16)}.${rnd(32)}`;
    const llm = rnd(10) === 0;
    const host = llm ? LLM[rnd(LLM.length)] : OTHER[rnd(OTHER.length)];
    const ts = t0 + i;
    switch (i % 3) {
      case 0:
        lines.push(`${ts}.${String(rnd(1000)).padStart(3, '0')}    ${rnd(900)} ${src} TCP_TUNNEL/200 ${rnd(90000)} CONNECT ${host}:443 - HIER_DIRECT/93.184.216.34 -`);
        break;
      case 1: {
        const path = llm ? '/v1/chat/completions' : `/assets/app.${rnd(999)}.js`;
        const d = new Date(ts * 1000);
        const clf = `${String(d.getUTCDate()).padStart(2, '0')}/${d.toUTCString().slice(8, 11)}/${d.getUTCFullYear()}:${d.toISOString().slice(11, 19)} +0000`;
        lines.push(`${src} - - [${clf}] "POST http://${host}${path} HTTP/1.1" 200 ${rnd(5000)} "-" "python-requests/2.31"`);
        break;
      }
      default:
        lines.push(JSON.stringify({ ts, src, query: host, type: 'A' }));
    }
    if (i % 5000 === 4999) lines.push('this line is not in any format');
  }
  return `${lines.join('\n')}\n`;
}

async function best(runs, fn) {
  let top = 0;
  for (let i = 0; i < runs; i++) top = Math.max(top, await fn());
  return top;
}

export async function run({ quick = false } = {}) {
  const { loadCatalogue } = await import('../../dist/shadow/catalogue.js');
  const { createClassifier } = await import('../../dist/shadow/classify.js');
  const { createScanner, scanFiles } = await import('../../dist/shadow/scan.js');
  const classifier = createClassifier(loadCatalogue());
  const text = generate(LINES);
  const bytes = Buffer.from(text);
  const total = text.split('\n').length - 1;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-shadow-'));
  const file = join(dir, 'mixed.log');
  writeFileSync(file, bytes);
  const runs = quick ? 1 : 3;
  try {
    const memory = await best(runs, async () => {
      const chunks = [];
      for (let o = 0; o < bytes.length; o += 256 * 1024) chunks.push(bytes.subarray(o, o + 256 * 1024));
      const scanner = createScanner({ classifier });
      const t = performance.now();
      await scanner.stream(Readable.from(chunks), 'memory');
      return total / ((performance.now() - t) / 1000);
    });
    let shadow = 0;
    const fromFile = await best(runs, async () => {
      const t = performance.now();
      const report = await scanFiles([file], { classifier });
      shadow = report.shadow;
      return report.lines / ((performance.now() - t) / 1000);
    });
    const readlineFloor = await best(runs, async () => {
      const t = performance.now();
      let n = 0;
      for await (const _ of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) n++;
      return n / ((performance.now() - t) / 1000);
    });
    const mb = bytes.length / (1024 * 1024);
    const rows = [
      { name: `shadow scan: ${total} mixed lines, in memory (lines/s)`, opsPerSec: memory, mbPerSec: (memory / total) * mb },
      { name: `shadow scan: ${total} mixed lines, from file (lines/s)`, opsPerSec: fromFile, mbPerSec: (fromFile / total) * mb },
      { name: 'baseline: readline only, same file (lines/s)', opsPerSec: readlineFloor, mbPerSec: (readlineFloor / total) * mb },
    ];
    for (const r of rows) process.stdout.write(`${r.name}: ${Math.round(r.opsPerSec).toLocaleString('en-US')} (${r.mbPerSec.toFixed(1)} MB/s)\n`);
    process.stdout.write(`  ${shadow} shadow calls found in ${(mb).toFixed(1)} MB\n`);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run({ quick: process.argv.includes('--quick') });
