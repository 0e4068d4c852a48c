// What the audit trail may keep of a body: the masked text, with anything the policy let through unrewritten
// (report/approve/block findings, or a refused caller's unmasked request) redacted as well.
import type { RequestContext } from '../context.js';
import type { InspectionProfile } from '../inspect/api.js';
import { createEngine } from '../inspect/engine.js';
import { leaked as leakedAny, leakProfile, strictProfile } from '../inspect/audit-profiles.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface AuditBodies {
  request?: Uint8Array;
  /** Text of a stream, or the bytes of a buffered body. */
  response?: string | Uint8Array;
}

/**
 * Bodies as the record may store them. Costs nothing in the common case (everything found was rewritten);
 * otherwise one more WASM pass over the captured copy — except for a request whose copies the inspection pool
 * prepared (`ctx.auditRequest`): a large body is never scanned again on this thread.
 */
export function auditBodies(ctx: RequestContext): AuditBodies {
  const profile = ctx.profile;
  const out: AuditBodies = { request: ctx.maskedRequest, response: ctx.maskedResponse };
  if (!profile) return out;
  const refused = ctx.decision?.outcome === 'block' || ctx.auditDecision === 'blocked' || ctx.auditDecision === 'denied';
  const leaked = leakedAny(ctx.findingSummary, profile);
  if (!refused && !leaked) return out;
  const engine = createEngine(refused ? strictProfile(profile) : leakProfile(profile));
  const session = ctx.identity?.session ?? 'audit';
  const prepared = ctx.auditRequest;
  if (prepared && out.request) out.request = refused ? prepared.strict : prepared.leak;
  else if (out.request && out.request.byteLength > 0) {
    out.request = engine.inspect({ body: out.request, contentType: 'json', session }).body;
  }
  if (out.response !== undefined && out.response.length > 0) {
    const bytes = typeof out.response === 'string' ? encoder.encode(out.response) : out.response;
    const r = engine.inspect({ body: bytes, contentType: 'text', session });
    if (r.changed) out.response = typeof out.response === 'string' ? decoder.decode(r.body) : r.body;
  }
  return out;
}

/**
 * Caller free text that is recorded but never forwarded (the justification): every detector redacts, whatever
 * the caller's actions, since nothing downstream needs the data.
 */
export function redactFreeText(text: string, profile: InspectionProfile, session: string): string {
  const r = createEngine(strictProfile(profile)).inspect({ body: encoder.encode(text), contentType: 'text', session });
  return r.changed ? decoder.decode(r.body) : text;
}
