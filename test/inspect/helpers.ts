// Shared helpers for the inspection tests.
import type { DetectorAction } from '../../src/types.js';
import type { InspectionProfile, KeywordDetector, CustomPatternDetector } from '../../src/inspect/api.js';
import { createEngine } from '../../src/inspect/engine.js';
import { defaultProfile } from '../../src/inspect/profile.js';

export const enc = new TextEncoder();
export const dec = new TextDecoder();
export const SECRET = '0123456789abcdef0123456789abcdef';

let n = 0;
export function profile(over: Partial<InspectionProfile> = {}): InspectionProfile {
  return { ...defaultProfile(SECRET), key: `test-${++n}`, ...over };
}

/** Every builtin with one action (so every finding rewrites or none does). */
export function allBuiltins(action: DetectorAction): InspectionProfile {
  const p = defaultProfile(SECRET);
  return profile({ builtins: p.builtins.map((b) => ({ id: b.id, action })) });
}

export function only(id: string, action: DetectorAction = 'redact'): InspectionProfile {
  return profile({ builtins: [{ id, action }] });
}

export function keywords(dets: KeywordDetector[]): InspectionProfile {
  return profile({ builtins: [], keywords: dets });
}

export function custom(dets: CustomPatternDetector[], builtins: InspectionProfile['builtins'] = []): InspectionProfile {
  return profile({ builtins, custom: dets });
}

export function scanText(p: InspectionProfile, text: string, session = 's1') {
  const r = createEngine(p).inspect({ body: enc.encode(text), contentType: 'text', profile: p, session });
  return { ...r, text: dec.decode(r.body) };
}

export function scanJson(p: InspectionProfile, json: string, session = 's1') {
  const r = createEngine(p).inspect({ body: enc.encode(json), contentType: 'json', profile: p, session });
  return { ...r, text: dec.decode(r.body) };
}

/** The substrings of `text` (UTF-8) that findings point at. */
export function spans(text: string, findings: { start: number; end: number }[]): string[] {
  const b = enc.encode(text);
  return findings.map((f) => dec.decode(b.subarray(f.start, f.end)));
}

/** Streams `text` through a scanner in the given chunk sizes; returns the concatenated output. */
export function streamed(p: InspectionProfile, chunks: string[], session = 's1') {
  const s = createEngine(p).createTextScanner({ session });
  let out = '';
  const findings = [];
  for (const c of chunks) {
    const r = s.push(c);
    out += r.out;
    findings.push(...r.findings);
  }
  const r = s.end();
  out += r.out;
  findings.push(...r.findings);
  return { out, findings };
}
