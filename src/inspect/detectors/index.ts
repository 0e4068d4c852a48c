// The default detector catalogue, keyed by the ids of BUILTIN_DETECTORS.
import { BUILTIN_DETECTORS, type BuiltinDetectorId } from '../api.js';
import type { DetectorDef } from './types.js';
import { card, ssn, email, phone, iban, ipv4, ipv6 } from './pii.js';
import {
  awsAccessKey, awsSecretKey, openaiKey, anthropicKey, githubToken, slackToken, stripeKey, googleApiKey, jwt, privateKey, passwordAssignment,
} from './secrets.js';

export type { DetectorDef, AnchorSpec, MaskStyle } from './types.js';
export { AnchorKind, AnchorFlag, Charset } from './types.js';
export { validateCustomPattern } from './custom.js';

const defs: DetectorDef[] = [
  card, ssn, email, phone, iban, ipv4, ipv6, awsAccessKey, awsSecretKey, openaiKey, anthropicKey,
  githubToken, slackToken, stripeKey, googleApiKey, jwt, privateKey, passwordAssignment,
];

export const CATALOGUE: ReadonlyMap<BuiltinDetectorId, DetectorDef> = new Map(defs.map((d) => [d.id as BuiltinDetectorId, Object.freeze(d)]));

/** WASM code of a builtin: its index in BUILTIN_DETECTORS (the matcher's enable bit). */
export function builtinCode(id: string): number {
  return (BUILTIN_DETECTORS as readonly string[]).indexOf(id);
}

export function builtinDetector(id: string): DetectorDef | undefined {
  return CATALOGUE.get(id as BuiltinDetectorId);
}
