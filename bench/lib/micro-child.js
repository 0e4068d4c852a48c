// `node bench/lib/micro-child.js <file.bench.js> [--quick]`: runs one micro-benchmark module in its own
// process (workers, WASM memory and JIT state stay out of the next file's numbers) and sends the rows
// to the parent over IPC. Module shapes accepted (docs/benchmarks.md, "Writing a micro benchmark"):
//   export default / export async function run({ quick, time }) → Bench | Bench[] | rows[]
//   export const bench = new Bench(…)
//   export const bytesPerOp = { 'task name': bytes }   (optional: adds MB/s)
// A module with none of these runs as a plain script and only its own output is shown.
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const [file, ...flags] = process.argv.slice(2);
const quick = flags.includes('--quick');
const time = quick ? 100 : 500;

function isBench(x) {
  return x instanceof Bench || (x !== null && typeof x === 'object' && Array.isArray(x.tasks) && typeof x.run === 'function');
}

async function rowsOfBench(bench, bytesPerOp) {
  if (bench.tasks.some((t) => t.result?.state === 'not-started' || t.result === undefined)) await bench.run();
  return bench.tasks.map(function row(t) {
    const r = t.result;
    if (r?.state !== 'completed' && r?.state !== 'aborted-with-statistics') return { name: t.name, error: r?.error?.message ?? r?.state ?? 'no result' };
    const bytes = bytesPerOp?.[t.name];
    const opsPerSec = r.throughput.mean;
    return {
      name: t.name,
      opsPerSec,
      meanUs: r.latency.mean * 1000,
      p99Us: r.latency.p99 * 1000,
      rme: r.latency.rme,
      samples: r.latency.samples?.length ?? null,
      mbPerSec: typeof bytes === 'number' ? (opsPerSec * bytes) / (1024 * 1024) : undefined,
    };
  });
}

async function rowsOf(value, bytesPerOp) {
  const items = Array.isArray(value) ? value : [value];
  const rows = [];
  for (const item of items) {
    if (isBench(item)) rows.push(...(await rowsOfBench(item, bytesPerOp)));
    else if (item && typeof item === 'object' && typeof item.name === 'string') rows.push(item);
  }
  return rows;
}

const mod = await import(pathToFileURL(file).href);
const entry = typeof mod.run === 'function' ? mod.run : typeof mod.default === 'function' ? mod.default : undefined;
let rows = null;
if (entry) rows = await rowsOf(await entry({ quick, time }), mod.bytesPerOp);
else if (isBench(mod.bench)) rows = await rowsOf(mod.bench, mod.bytesPerOp);
process.send?.({ type: 'rows', rows });
process.disconnect?.();
