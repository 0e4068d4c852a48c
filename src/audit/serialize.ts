// The canonical form of a normalized record, written from its fixed shape: members in the order canonicalize would
// sort them, each value by a writer that knows its type. Byte-identical to `canonicalize({ ...body, seq, prev })`:
// a value of another shape than expected is handed to canonicalize itself, and a record with members this module
// does not know is canonicalized whole, so old files verify and new fields cannot be silently dropped.
import { canonicalize } from './canonical.js';

/**
 * A body capture may carry its text as the body's UTF-8 bytes (`raw`, set by captureBytes only when decoding them
 * would give back exactly these bytes): it is escaped straight into the line, never decoded to a string and
 * stringified. In the canonical form (and so in the hash) it is the `text` member it stands for.
 */
export const RAW_MARK = '\u0000';
// Canonical JSON never holds a bare U+0000 (JSON.stringify escapes every control character inside strings), so
// the mark cannot be confused with content. Filled and drained within one synchronous seal.
const pendingRaw: Uint8Array[] = [];
const decoder = new TextDecoder();

type Write = (v: unknown) => string;

const str: Write = (v) => (typeof v === 'string' ? JSON.stringify(v) : canonicalize(v));
// For finite numbers String() prints what JSON.stringify prints (both are Number::toString; -0 → "0").
const num: Write = (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : canonicalize(v));
const bool: Write = (v) => (v === true ? 'true' : v === false ? 'false' : canonicalize(v));
const any: Write = canonicalize;
// Own and enumerable: exactly the members Object.keys (and so canonicalize) sees.
const isOwnEnumerable = Object.prototype.propertyIsEnumerable;

/** Own keys of a plain object, counted; -1 when it is not one (canonicalize decides what to do with it then). */
function ownKeyCount(v: object): number {
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return -1;
  let n = 0;
  for (const k in v) {
    // Inherited enumerable keys (a polluted prototype) make the count disagree: the generic path handles that.
    n++;
    void k;
  }
  return n;
}

/** An object with a known set of members (any of them may be absent or undefined). */
function shape(fields: Record<string, Write>): Write {
  const keys = Object.keys(fields).sort();
  const quoted = keys.map((k) => `${JSON.stringify(k)}:`);
  const writers = keys.map((k) => fields[k]);
  return function writeShape(v) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return canonicalize(v);
    const o = v as Record<string, unknown>;
    const total = ownKeyCount(o);
    if (total < 0) return canonicalize(v);
    let out = '{';
    let known = 0;
    for (let i = 0; i < keys.length; i++) {
      if (!isOwnEnumerable.call(o, keys[i])) continue;
      known++;
      const x = o[keys[i]];
      if (x === undefined) continue;
      if (out.length > 1) out += ',';
      out += quoted[i] + writers[i](x);
    }
    return known === total ? out + '}' : canonicalize(v);
  };
}

function list(item: Write): Write {
  return function writeList(v) {
    if (!Array.isArray(v)) return canonicalize(v);
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      // Holes and undefined are refused by canonicalize, with its message.
      if (v[i] === undefined) return canonicalize(v);
      if (i > 0) out += ',';
      out += item(v[i]);
    }
    return out + ']';
  };
}

const plainCapture = shape({ mode: str, bytes: num, text: str });

/** `{ mode, bytes, raw }` → `{"bytes":…,"mode":…,"text":<mark>}`; any other use of `raw` is decoded first. */
function capture(v: unknown): string {
  if (v === null || typeof v !== 'object' || !isOwnEnumerable.call(v, 'raw')) return plainCapture(v);
  const c = v as { mode: unknown; bytes: unknown; raw: unknown };
  if (!(c.raw instanceof Uint8Array)) return plainCapture(v);
  if (ownKeyCount(v) === 3 && isOwnEnumerable.call(v, 'mode') && isOwnEnumerable.call(v, 'bytes')) {
    pendingRaw.push(c.raw);
    return `{"bytes":${num(c.bytes)},"mode":${str(c.mode)},"text":${RAW_MARK}}`;
  }
  const { raw, ...rest } = c;
  return plainCapture({ ...rest, text: decoder.decode(raw as Uint8Array) });
}

/** Members of a sealed record (AuditRecord without `hash`) and how each is written. */
const RECORD: Record<string, Write> = {
  v: num,
  kind: str,
  seq: num,
  prev: str,
  time: str,
  requestId: str,
  identity: shape({ subject: str, groups: list(str), job: str, session: str }),
  source: str,
  connection: str,
  route: str,
  model: str,
  stream: bool,
  decision: str,
  approvalId: str,
  approver: str,
  justification: str,
  findings: list(shape({ detector: str, type: str, action: str, count: num })),
  request: capture,
  response: capture,
  usage: shape({ input: num, cachedInput: num, output: num, total: num }),
  status: num,
  error: str,
  aborted: bool,
  latency: shape({ authMs: num, inspectMs: num, upstreamMs: num, approvalMs: num, totalMs: num, overheadMs: num }),
  detail: any,
  routing: shape({
    logical: str,
    connection: str,
    model: str,
    attempts: list(shape({ connection: str, model: str, status: num, error: str, ms: num, outcome: str })),
  }),
  cost: shape({ amount: num, currency: str, price: str }),
  checkpoint: any,
};
const RECORD_KEYS = Object.keys(RECORD).sort();
const RECORD_QUOTED = RECORD_KEYS.map((k) => `${JSON.stringify(k)}:`);
const RECORD_WRITERS = RECORD_KEYS.map((k) => RECORD[k]);

/**
 * The canonical form as pieces: `parts[0] raw[0] parts[1] raw[1] …`, where each raw body is written as the JSON
 * string of its text. One piece and no raw bodies for most records that are not exchanges.
 */
export function canonicalPieces(body: object, seq: number, prev: string): { parts: string[]; raw: Uint8Array[] } {
  pendingRaw.length = 0;
  try {
    const text = canonicalBody(body, seq, prev);
    if (pendingRaw.length === 0) return { parts: [text], raw: [] };
    return { parts: text.split(RAW_MARK), raw: pendingRaw.slice() };
  } finally {
    pendingRaw.length = 0;
  }
}

/** `canonicalize({ ...body, seq, prev })` as one string (raw captures decoded): what the hash is taken over. */
export function canonicalRecord(body: object, seq: number, prev: string): string {
  const { parts, raw } = canonicalPieces(body, seq, prev);
  let out = parts[0];
  for (let i = 0; i < raw.length; i++) out += JSON.stringify(decoder.decode(raw[i])) + parts[i + 1];
  return out;
}

/** Writes `raw` (valid UTF-8, no BOM) as JSON.stringify would write its text, UTF-8 encoded; returns the end. */
export function escapeJsonInto(raw: Uint8Array, dst: Uint8Array, at: number): number {
  dst[at++] = 0x22;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b >= 0x20 && b !== 0x22 && b !== 0x5c) {
      dst[at++] = b;
      continue;
    }
    dst[at++] = 0x5c;
    const short = SHORT_ESCAPES[b];
    if (short !== 0) dst[at++] = short;
    else {
      dst[at++] = 0x75; // \u00XX, lower-case hex as JSON.stringify writes it
      dst[at++] = 0x30;
      dst[at++] = 0x30;
      dst[at++] = HEX[b >> 4];
      dst[at++] = HEX[b & 15];
    }
  }
  dst[at++] = 0x22;
  return at;
}

const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Second byte of the two-character escapes (\" \\ \b \f \n \r \t); 0 for \u00XX. */
const SHORT_ESCAPES = new Uint8Array(256);
for (const [b, c] of [[0x22, '"'], [0x5c, '\\'], [0x08, 'b'], [0x0c, 'f'], [0x0a, 'n'], [0x0d, 'r'], [0x09, 't']] as const) SHORT_ESCAPES[b] = c.charCodeAt(0);

function canonicalBody(body: object, seq: number, prev: string): string {
  const o = body as Record<string, unknown>;
  const total = ownKeyCount(o);
  if (total < 0) return generic(body, seq, prev);
  let out = '{';
  let known = 0;
  for (let i = 0; i < RECORD_KEYS.length; i++) {
    const k = RECORD_KEYS[i];
    let x: unknown;
    if (k === 'seq') x = seq;
    else if (k === 'prev') x = prev;
    else {
      if (!isOwnEnumerable.call(o, k)) continue;
      known++;
      x = o[k];
    }
    if (x === undefined) continue;
    if (out.length > 1) out += ',';
    out += RECORD_QUOTED[i] + RECORD_WRITERS[i](x);
  }
  // Members this module does not know (or a body that carries its own seq/prev): the generic path decides.
  if (known !== total || isOwnEnumerable.call(o, 'seq') || isOwnEnumerable.call(o, 'prev')) return generic(body, seq, prev);
  return out + '}';
}

/** The generic canonicalizer over the record, raw captures decoded to the `text` they stand for. */
function generic(body: object, seq: number, prev: string): string {
  pendingRaw.length = 0;
  const o: Record<string, unknown> = { ...body, seq, prev };
  for (const k of ['request', 'response']) {
    const c = o[k] as { raw?: unknown } | null | undefined;
    if (c && typeof c === 'object' && c.raw instanceof Uint8Array) {
      const { raw, ...rest } = c;
      o[k] = { ...rest, text: decoder.decode(raw as Uint8Array) };
    }
  }
  return canonicalize(o);
}
