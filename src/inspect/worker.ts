// Inspection worker (piscina): the same engine as inline, one compiled engine per profile key.
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

export default function inspectTask(task: PoolTask): unknown {
  const result: InspectResult = inspectBody({ body: task.body, contentType: task.contentType, session: task.session, profile: profileOf(task) });
  // Only a buffer the body owns alone can move: a small Buffer lives in Node's shared pool, which Node ≥ 21 refuses to
  // transfer (DataCloneError; Node 20 copied it silently). Copy such a body once into its own buffer.
  const b = result.body;
  if (b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength) result.body = new Uint8Array(b);
  // piscina transfers only a top-level movable value: wrap the whole result so the masked body moves without a copy.
  return move({
    get [transferableSymbol]() {
      return [result.body.buffer];
    },
    get [valueSymbol]() {
      return result;
    },
  } as never);
}
