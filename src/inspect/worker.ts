// Inspection worker (piscina): the same engine as inline, one compiled engine per profile key.
import { move } from 'piscina';
import { inspectBody } from './engine.js';
import type { InspectRequest, InspectResult } from './api.js';

export default function inspectTask(req: InspectRequest): InspectResult {
  const result = inspectBody(req);
  // Hand the masked body back without a copy.
  return { ...result, body: move(result.body) as Uint8Array };
}
