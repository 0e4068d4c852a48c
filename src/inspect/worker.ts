// Inspection worker (piscina): the same engine as inline, one compiled engine per profile key. What goes back is
// ready to use without O(body) or O(findings) work on the main thread: the masked body and the audit copies are
// transferred (not copied), findings come as counts (see InspectResult.findings).
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { inspectBody } from './engine.js';
import type { InspectionProfile, InspectRequest, InspectResult } from './api.js';

/** What crosses the thread boundary: the profile as a string (cheap to clone), parsed once per key here. */
export interface PoolTask extends Omit<InspectRequest, 'profile'> {
  profileKey: string;
  profileJson: string;
}

const profiles = new Map<string, InspectionProfile>();
const MAX_PROFILES = 64;

function profileOf(task: PoolTask): InspectionProfile {
  let p = profiles.get(task.profileKey);
  if (!p) {
    if (profiles.size >= MAX_PROFILES) profiles.delete(profiles.keys().next().value as string);
    p = JSON.parse(task.profileJson) as InspectionProfile;
    profiles.set(task.profileKey, p);
  }
  return p;
}

/**
 * Only a buffer the bytes own alone can move: a small Buffer lives in Node's shared pool, which Node ≥ 21 refuses to
 * transfer (DataCloneError; Node 20 copied it silently). Copy such bytes once into their own buffer (`new
 * Uint8Array`, not `Buffer#slice`, which is a view).
 */
function own(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer) ? b : new Uint8Array(b);
}

export default function inspectTask(task: PoolTask): unknown {
  const full = inspectBody({ body: task.body, contentType: task.contentType, session: task.session, profile: profileOf(task), auditCopies: task.auditCopies });
  const body = own(full.body);
  const same = (b: Uint8Array): Uint8Array => (b === full.body ? body : own(b));
  const result: InspectResult = { ...full, body, findings: [], ...(full.audit ? { audit: { leak: same(full.audit.leak), strict: same(full.audit.strict) } } : {}) };
  const buffers = new Set<ArrayBuffer>([body.buffer as ArrayBuffer]);
  if (result.audit) for (const b of [result.audit.leak, result.audit.strict]) buffers.add(b.buffer as ArrayBuffer);
  // piscina transfers only a top-level movable value: wrap the whole result so the buffers move without a copy.
  return move({
    get [transferableSymbol]() {
      return [...buffers];
    },
    get [valueSymbol]() {
      return result;
    },
  } as never);
}
