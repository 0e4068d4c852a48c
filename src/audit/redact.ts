// What the audit trail may keep of a body: the masked text, with anything the policy let through unrewritten
// (report/approve/block findings, or a refused caller's unmasked request) redacted as well.
import type { RequestContext } from '../context.js';
import type { InspectionProfile } from '../inspect/api.js';
import { BUILTIN_DETECTORS } from '../inspect/api.js';
import { createEngine } from '../inspect/engine.js';

const REWRITING = new Set(['mask', 'redact', 'tokenize', 'hash']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface AuditBodies {
  request?: Uint8Array;
  response?: string;
}

/**
 * Bodies as the record may store them. Costs nothing in the common case (everything found was rewritten);
 * otherwise one more WASM pass over the captured copy.
 */
export function auditBodies(ctx: RequestContext): AuditBodies {
  const profile = ctx.profile;
  const out: AuditBodies = { request: ctx.maskedRequest, response: ctx.maskedResponse };
  if (!profile) return out;
  const refused = ctx.decision?.outcome === 'block' || ctx.auditDecision === 'blocked' || ctx.auditDecision === 'denied';
  const keywordIds = new Set(profile.keywords.map((k) => k.id));
  const leaked = ctx.findings.some((f) => !REWRITING.has(f.action) && !keywordIds.has(f.detector));
  if (!refused && !leaked) return out;
  const engine = createEngine(refused ? strictProfile(profile) : leakProfile(profile));
  const session = ctx.identity?.session ?? 'audit';
  if (out.request && out.request.byteLength > 0) {
    out.request = engine.inspect({ body: out.request, contentType: 'json', session }).body;
  }
  if (out.response) {
    const r = engine.inspect({ body: encoder.encode(out.response), contentType: 'text', session });
    if (r.changed) out.response = decoder.decode(r.body);
  }
  return out;
}

/** Only the detectors that did not rewrite, now redacting. */
function leakProfile(p: InspectionProfile): InspectionProfile {
  const quiet = (a: string) => !REWRITING.has(a) && a !== 'off';
  return {
    key: `${p.key}:audit-leak`,
    builtins: p.builtins.filter((d) => quiet(d.action)).map((d) => ({ id: d.id, action: 'redact' })),
    custom: p.custom.filter((d) => quiet(d.action)).map((d) => ({ ...d, action: 'redact' })),
    keywords: [],
    secret: p.secret,
  };
}

/** A refused request was not masked for its caller's purpose: redact every built-in and custom detector. */
function strictProfile(p: InspectionProfile): InspectionProfile {
  return {
    key: `${p.key}:audit-strict`,
    builtins: BUILTIN_DETECTORS.map((id) => ({ id, action: 'redact' })),
    custom: p.custom.map((d) => ({ ...d, action: 'redact' })),
    keywords: [],
    secret: p.secret,
  };
}

/**
 * Caller free text that is recorded but never forwarded (the justification): every detector redacts, whatever
 * the caller's actions, since nothing downstream needs the data.
 */
export function redactFreeText(text: string, profile: InspectionProfile, session: string): string {
  const r = createEngine(strictProfile(profile)).inspect({ body: encoder.encode(text), contentType: 'text', session });
  return r.changed ? decoder.decode(r.body) : text;
}
