// Per-finding rewrite: mask / redact / tokenize / hash produce replacement text; block, approve and
// report leave the text alone (the decide step consumes them).
import { createHmac } from 'node:crypto';
import type { DetectorAction } from '../types.js';
import type { IssuedToken } from './api.js';
import type { MaskStyle } from './detectors/types.js';
import { maskValue, normalize } from './mask.js';

export interface Slot {
  id: string;
  type: string;
  action: DetectorAction;
  priority: number;
  mask: MaskStyle;
  keep: number;
}

/** Digits-only canonical form for numeric types, so formatting does not change tokens or hashes. */
const NUMERIC = new Set(['card', 'ssn', 'phone', 'iban']);

function canonical(slot: Slot, value: string): string {
  const v = normalize(value);
  return NUMERIC.has(slot.id) ? v.replace(/[^0-9A-Za-z+]/g, '') : v;
}

/** Finding types come from policy; only [A-Za-z0-9_] reaches the body (token restore relies on it). */
export function safeType(type: string): string {
  return type.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64) || 'data';
}

function hmacHex(key: Buffer, data: string, n: number): string {
  return createHmac('sha256', key).update(data).digest('hex').slice(0, n);
}

export function rewrites(action: DetectorAction): boolean {
  return action === 'mask' || action === 'redact' || action === 'tokenize' || action === 'hash';
}

/**
 * Replacement text for one value, or null when the action does not rewrite.
 * Tokens: `<type_xxxxxxxx>` = HMAC-SHA256(secret, session ‖ 0 ‖ value), 8 hex digits; stable per
 * session and value. Hashes: `[HASH:type:xxxxxxxx]` = HMAC-SHA256(secret, type ‖ 0 ‖ value).
 */
export function replacement(slot: Slot, value: string, key: Buffer, session: string, tokens: IssuedToken[]): string | null {
  const type = safeType(slot.type);
  switch (slot.action) {
    case 'mask':
      return maskValue(slot.mask, value, slot.keep);
    case 'redact':
      return `[REDACTED:${type}]`;
    case 'tokenize': {
      const v = canonical(slot, value);
      const token = `<${type}_${hmacHex(key, `${session}\u0000${v}`, 8)}>`;
      // Restore gives back the value as the caller wrote it (the first spelling seen for this token).
      if (!tokens.some((t) => t.token === token)) tokens.push({ token, value });
      return token;
    }
    case 'hash':
      return `[HASH:${type}:${hmacHex(key, `${slot.type}\u0000${canonical(slot, value)}`, 8)}]`;
    default:
      return null;
  }
}
