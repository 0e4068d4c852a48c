// The profiles the audit trail redacts with: what a record may keep of a body is the masked text with anything the
// policy let through unrewritten (report/approve/block findings) redacted too, or — for a refused caller — every
// detector redacted. Shared by the audit step (small bodies, inline) and the inspection pool (large bodies: the
// worker prepares these copies so the main thread never re-scans a large body).
import type { FindingSummary } from '../types.js';
import { BUILTIN_DETECTORS, type InspectionProfile } from './api.js';

export const REWRITING: ReadonlySet<string> = new Set(['mask', 'redact', 'tokenize', 'hash']);

/** Only the detectors that did not rewrite, now redacting. */
export function leakProfile(p: InspectionProfile): InspectionProfile {
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
export function strictProfile(p: InspectionProfile): InspectionProfile {
  return {
    key: `${p.key}:audit-strict`,
    builtins: BUILTIN_DETECTORS.map((id) => ({ id, action: 'redact' })),
    custom: p.custom.map((d) => ({ ...d, action: 'redact' })),
    keywords: [],
    secret: p.secret,
  };
}

/** Did anything found go through unrewritten (keyword lists aside: they name topics, not data)? */
export function leaked(summary: readonly FindingSummary[], profile: InspectionProfile): boolean {
  return summary.some((f) => f.count > 0 && !REWRITING.has(f.action) && !profile.keywords.some((k) => k.id === f.detector));
}
