// InspectionProfile → everything a scan needs, computed once per profile (pino-style precompute):
// the anchor table, the builtin enable mask, compiled RE2 detectors, hold-back and HMAC key.
import type { InspectionProfile } from './api.js';
import type { Slot } from './actions.js';
import { builtinCode, builtinDetector } from './detectors/index.js';
import { compileCustom, validateKeywordDetector, type CompiledCustom } from './detectors/custom.js';
import { customAnchors, keywordAnchors } from './detectors/keywords.js';
import { buildTable, type TableAnchor } from './patterns.js';

/** Matcher codes: builtins use their BUILTIN_DETECTORS index; keyword and custom detectors follow. */
export const KEYWORD_BASE = 100;
export const CUSTOM_BASE = 20000;
const MAX_DETECTORS = 19000;

export interface CompiledProfile {
  key: string;
  slots: Map<number, Slot>;
  table: Uint8Array;
  enabled: number;
  custom: CompiledCustom[];
  /** Longest possible match in bytes (+ margin): the most a stream scanner ever holds back. */
  holdBack: number;
  hmacKey: Buffer;
}

function hmacKey(secret: string): Buffer {
  return /^(?:[0-9a-fA-F]{2})+$/.test(secret) ? Buffer.from(secret, 'hex') : Buffer.from(secret, 'utf8');
}

export function compileProfile(profile: InspectionProfile): CompiledProfile {
  const slots = new Map<number, Slot>();
  const anchors: TableAnchor[] = [];
  let enabled = 0;
  let longest = 0;
  for (const setting of profile.builtins) {
    const def = builtinDetector(setting.id);
    if (!def) throw new Error(`unknown builtin detector "${setting.id}"`);
    const code = builtinCode(setting.id);
    enabled |= 1 << code;
    slots.set(code, { id: def.id, type: def.type, action: setting.action, priority: def.priority, mask: def.mask, keep: def.keep ?? 0 });
    for (const a of def.anchors) anchors.push({ ...a, code });
    longest = Math.max(longest, def.maxLength);
  }
  if (profile.keywords.length > MAX_DETECTORS || profile.custom.length > MAX_DETECTORS) throw new Error('too many detectors in profile');
  profile.keywords.forEach((det, k) => {
    validateKeywordDetector(det);
    const code = KEYWORD_BASE + k;
    slots.set(code, { id: det.id, type: det.type, action: det.action, priority: 1000 + k, mask: 'generic', keep: 0 });
    for (const a of keywordAnchors(det)) anchors.push({ ...a, code });
    longest = Math.max(longest, ...det.keywords.map((w) => Buffer.byteLength(w)));
  });
  const custom = profile.custom.map((det, k) => {
    const code = CUSTOM_BASE + k;
    const c = compileCustom(det, code);
    slots.set(code, { id: det.id, type: det.type, action: det.action, priority: 2000 + k, mask: 'generic', keep: 0 });
    for (const a of customAnchors(det)) anchors.push({ ...a, code });
    longest = Math.max(longest, c.maxBytes + 255);
    return c;
  });
  return {
    key: profile.key,
    slots,
    table: buildTable(anchors),
    enabled,
    custom,
    holdBack: longest + 64,
    hmacKey: hmacKey(profile.secret),
  };
}
