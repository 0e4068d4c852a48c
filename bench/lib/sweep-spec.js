// `--sweep key=v1,v2 key2=a,b`: axes of the tuning matrix, their cartesian product, and applying one
// setting to a raw (pre-validation) Sluice config object.

const KEY_RE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;
/** Bounds the matrix: each cell restarts Sluice and runs load for several seconds. */
export const MAX_SWEEP_CELLS = 64;

function parseValue(raw) {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/** `inspection.pool.maxThreads=1,2,4` → `{ key: 'inspection.pool.maxThreads', values: [1, 2, 4] }`. */
export function parseAxis(spec) {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`sweep axis "${spec}" must look like key.path=v1,v2`);
  const key = spec.slice(0, eq);
  if (!KEY_RE.test(key)) throw new Error(`sweep axis "${spec}": "${key}" is not a dotted config key`);
  const parts = spec.slice(eq + 1).split(',');
  if (parts.some((p) => p === '')) throw new Error(`sweep axis "${spec}": empty value in the list`);
  const values = [...new Set(parts)].map(parseValue);
  return { key, values };
}

export function parseAxes(specs) {
  const axes = specs.map(parseAxis);
  const seen = new Set();
  for (const a of axes) {
    if (seen.has(a.key)) throw new Error(`sweep axis "${a.key}" is given twice`);
    seen.add(a.key);
  }
  const cells = axes.reduce((n, a) => n * a.values.length, 1);
  if (cells > MAX_SWEEP_CELLS) throw new Error(`sweep has ${cells} settings; at most ${MAX_SWEEP_CELLS} (each restarts Sluice)`);
  return axes;
}

/** Cartesian product, first axis varying slowest: `[{ 'a.b': 1, c: 'x' }, …]`. */
export function expandAxes(axes) {
  let cells = [{}];
  for (const { key, values } of axes) cells = cells.flatMap((cell) => values.map((v) => ({ ...cell, [key]: v })));
  return axes.length === 0 ? [] : cells;
}

/** Copy of `obj` with `path` (dotted) set to `value`; intermediate objects are created or copied. */
export function setPath(obj, path, value) {
  const [head, ...rest] = path.split('.');
  const here = obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? obj : {};
  return { ...here, [head]: rest.length === 0 ? value : setPath(here[head], rest.join('.'), value) };
}

/** Applies every key of a cell; keeps `pool.minThreads ≤ maxThreads` so small maxThreads stay valid. */
export function applyCell(raw, cell) {
  let out = raw;
  for (const [k, v] of Object.entries(cell)) out = setPath(out, k, v);
  const pool = out.inspection?.pool;
  if (pool && typeof pool.maxThreads === 'number' && typeof pool.minThreads === 'number' && pool.minThreads > pool.maxThreads) {
    out = setPath(out, 'inspection.pool.minThreads', pool.maxThreads);
  }
  return out;
}

/** `{ 'inspection.pool.maxThreads': 2 }` → the YAML lines to paste into sluice.yaml. */
export function cellToYaml(cell) {
  let tree = {};
  for (const [k, v] of Object.entries(cell)) tree = setPath(tree, k, v);
  const lines = [];
  (function walk(node, indent) {
    for (const [k, v] of Object.entries(node)) {
      if (v !== null && typeof v === 'object') {
        lines.push(`${indent}${k}:`);
        walk(v, `${indent}  `);
      } else lines.push(`${indent}${k}: ${v}`);
    }
  })(tree, '');
  return lines.join('\n');
}

export function describeCell(cell) {
  return Object.entries(cell).map(([k, v]) => `${k}=${v}`).join(' ');
}

/** Best cell by `by` among cells without errors (among all measured cells when every one had errors). */
export function bestCell(cells, by, lowerIsBetter) {
  const clean = cells.filter((c) => c.errors === 0 && typeof c[by] === 'number');
  const pool = clean.length > 0 ? clean : cells.filter((c) => typeof c[by] === 'number');
  if (pool.length === 0) return undefined;
  return pool.reduce((best, c) => ((lowerIsBetter ? c[by] < best[by] : c[by] > best[by]) ? c : best));
}
