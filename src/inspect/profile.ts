// A ready-made profile enabling every builtin detector (tests, demos, the default policy's baseline).
import { createHash } from 'node:crypto';
import type { DetectorAction } from '../types.js';
import { BUILTIN_DETECTORS, type BuiltinDetectorId, type InspectionProfile } from './api.js';

const MASKED = new Set<BuiltinDetectorId>(['card', 'phone', 'ssn', 'iban', 'email']);
const REPORTED = new Set<BuiltinDetectorId>(['ipv4', 'ipv6']);

export function defaultAction(id: BuiltinDetectorId): DetectorAction {
  if (MASKED.has(id)) return 'mask';
  if (REPORTED.has(id)) return 'report';
  return 'redact';
}

/** mask for card/phone/ssn/iban/email, report for ipv4/ipv6, redact for keys, tokens and passwords. */
export function defaultProfile(secret: string): InspectionProfile {
  const builtins = BUILTIN_DETECTORS.map((id) => ({ id, action: defaultAction(id) }));
  const key = createHash('sha256').update(JSON.stringify({ builtins, secret })).digest('hex').slice(0, 32);
  return { key: `default:${key}`, builtins, custom: [], keywords: [], secret };
}
