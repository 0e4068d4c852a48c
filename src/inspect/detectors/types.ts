// Shapes of the detector catalogue and of the literal anchors handed to the WASM matcher.

/** How an anchor hit is extended and confirmed (mirrors wasm/assembly/patterns.ts). */
export const AnchorKind = Object.freeze({
  keyword: 1,
  custom: 2,
  token: 3,
  jwt: 4,
  pem: 5,
  assign: 6,
});

export const AnchorFlag = Object.freeze({
  caseInsensitive: 1,
  wordBefore: 2,
  wordAfter: 4,
  /** Token body must contain a digit and a letter (random keys do; prose and kebab-case do not). */
  mixed: 8,
  /** Value must carry ≥ 3.5 bits of entropy per byte. */
  entropy: 16,
});

/** Byte sets a token may extend over (mirrors wasm/assembly/tables.ts). */
export const Charset = Object.freeze({
  any: 0,
  alnum: 1,
  base64url: 2,
  upperDigit: 4,
  word: 8,
  alnumDash: 16,
  base64: 32,
});

export interface AnchorSpec {
  text: string;
  kind: number;
  flags?: number;
  charset?: number;
  /** Token/value length bounds in bytes (kind-specific; for jwt/pem `max` caps the whole match). */
  min?: number;
  max?: number;
}

/** How `mask` rewrites a value of this detector (see mask.ts). */
export type MaskStyle = 'digits4' | 'phone' | 'iban' | 'email' | 'ipv4' | 'ipv6' | 'secret' | 'pem' | 'password' | 'generic';

export interface DetectorDef {
  id: string;
  type: string;
  description: string;
  /** Longest match in bytes: bounds windows and the streaming hold-back. */
  maxLength: number;
  /** Tie-break when two detectors report the same span: lower wins. */
  priority: number;
  anchors: AnchorSpec[];
  mask: MaskStyle;
  /** For `secret` masks: how many leading characters (the public prefix) stay visible. */
  keep?: number;
}
