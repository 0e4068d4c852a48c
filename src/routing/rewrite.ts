// The target's model name in the (already inspected) body: a splice of the top-level "model" string, no re-serialize.
// Inspection already refused bodies with a duplicate top-level "model" or a non-string one (inspect/shape.ts).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const KEY = Buffer.from('"model"');
const ESCAPE = Buffer.from('\\u');

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index just past the string starting at `i` (a quote), or -1. */
function stringEnd(b: Uint8Array, i: number): number {
  for (let j = i + 1; j < b.length; j++) {
    if (b[j] === BACKSLASH) j++;
    else if (b[j] === QUOTE) return j + 1;
  }
  return -1;
}

/** `"model"` at `i` is a key (a colon follows) and its quote is not escaped. */
function isKeyAt(b: Uint8Array, i: number): number {
  let slashes = 0;
  for (let k = i - 1; k >= 0 && b[k] === BACKSLASH; k--) slashes++;
  if (slashes % 2 === 1) return -1;
  let j = i + KEY.length;
  while (isSpace(b[j])) j++;
  return b[j] === 0x3a ? j + 1 : -1;
}

/** Value start of the top-level `"model"` key found by walking the structure (the rare case of several candidates). */
function walkTopLevel(b: Uint8Array): number {
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) {
      const end = stringEnd(b, i);
      if (end < 0) return -1;
      if (depth === 1 && expectKey && end - i === KEY.length && Buffer.compare(b.subarray(i, end), KEY) === 0) {
        const v = isKeyAt(b, i);
        if (v >= 0) return v;
      }
      expectKey = false;
      i = end - 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      expectKey = c === 0x7b && depth === 1;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 1) expectKey = true;
  }
  return -1;
}

/**
 * The body with its top-level `"model"` value replaced, or undefined when none is found (a key spelled with escapes).
 * The key is found with the native `indexOf`; only when `"model":` occurs more than once (a nested object has one
 * too) or the body has `\u` escapes is the structure walked to tell which is top-level.
 */
export function withModel(body: Uint8Array, model: string): Uint8Array | undefined {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let valueAt = -1;
  let found = 0;
  for (let i = buf.indexOf(KEY); i >= 0; i = buf.indexOf(KEY, i + 1)) {
    const v = isKeyAt(buf, i);
    if (v < 0) continue;
    found++;
    valueAt = v;
    if (found > 1) break;
  }
  // A key may also be spelled with \u escapes ("mod\u0065l"): then only the walk can tell which one is top-level.
  if (found > 1 || (found === 1 && buf.indexOf(ESCAPE) >= 0)) valueAt = walkTopLevel(buf);
  if (valueAt < 0) return undefined;
  while (isSpace(buf[valueAt])) valueAt++;
  if (buf[valueAt] !== QUOTE) return undefined;
  const end = stringEnd(buf, valueAt);
  if (end < 0) return undefined;
  return Buffer.concat([buf.subarray(0, valueAt), Buffer.from(JSON.stringify(model)), buf.subarray(end)]);
}
