// The canonical form of a normalized record, written from its fixed shape: members in the order canonicalize would
// sort them, each value by a writer that knows its type. Byte-identical to `canonicalize({ ...body, seq, prev })`:
// a value of another shape than expected is handed to canonicalize itself, and a record with members this module
// does not know is canonicalized whole, so old files verify and new fields cannot be silently dropped.
import { canonicalize } from './canonical.js';

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

const capture = shape({ mode: str, bytes: num, text: str });

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

/** `canonicalize({ ...body, seq, prev })`, without the generic walk for the usual record. */
export function canonicalRecord(body: object, seq: number, prev: string): string {
  const o = body as Record<string, unknown>;
  const total = ownKeyCount(o);
  if (total < 0) return canonicalize({ ...body, seq, prev });
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
  if (known !== total || isOwnEnumerable.call(o, 'seq') || isOwnEnumerable.call(o, 'prev')) return canonicalize({ ...body, seq, prev });
  return out + '}';
}
