// Inspection worker (piscina): the same engine as inline, one compiled engine per profile key.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { inspectBody } from './engine.js';
import type { InspectRequest, InspectResult } from './api.js';

export default function inspectTask(req: InspectRequest): unknown {
  const result: InspectResult = inspectBody(req);
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
