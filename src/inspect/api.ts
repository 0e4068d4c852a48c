// Contract between the gateway, policy/ (which builds profiles), the inspection engine and the pool.
import type { DetectorAction, Finding, FindingSummary } from '../types.js';

/** Built-in detector ids (the default catalogue). Custom detectors use their own ids. */
export const BUILTIN_DETECTORS = [
  'card',
  'ssn',
  'email',
  'phone',
  'iban',
  'ipv4',
  'ipv6',
  'aws_access_key',
  'aws_secret_key',
  'openai_key',
  'anthropic_key',
  'github_token',
  'slack_token',
  'stripe_key',
  'google_api_key',
  'jwt',
  'private_key',
  'password_assignment',
] as const;
export type BuiltinDetectorId = (typeof BUILTIN_DETECTORS)[number];

export interface DetectorSetting {
  id: string;
  action: DetectorAction;
}

/** A custom regex detector from policy (confirmed by re2-wasm on bounded windows). */
export interface CustomPatternDetector {
  id: string;
  /** Reported finding type, e.g. `customer_id`. */
  type: string;
  pattern: string;
  /** RE2 flags, e.g. `i`. */
  flags?: string;
  /** Declared maximum match length in characters: bounds windows and the streaming hold-back. */
  maxLength: number;
  /** Optional literal anchors for the prefilter (e.g. `CUST-`); without them windows are fixed-size. */
  anchors?: string[];
  action: DetectorAction;
}

/** A keyword/phrase list detector (e.g. "export", "DROP TABLE", "s3://"). */
export interface KeywordDetector {
  id: string;
  type: string;
  keywords: string[];
  caseInsensitive: boolean;
  /** Match whole words only (default true for alphabetic keywords). */
  wholeWord?: boolean;
  action: DetectorAction;
}

/**
 * Everything the engine needs to inspect one request: built by policy/ per identity, cached by `key`.
 * Serializable (structured-clone safe) so it can be sent to workers.
 */
export interface InspectionProfile {
  /** Stable content hash of the profile; workers cache compiled engines by it. */
  key: string;
  builtins: DetectorSetting[];
  custom: CustomPatternDetector[];
  keywords: KeywordDetector[];
  /** Secret for `hash` and `tokenize` (HMAC key, hex). Never logged. */
  secret: string;
}

export interface InspectRequest {
  body: Uint8Array;
  /** `json` bodies are scanned on their decoded string values and stay valid JSON. */
  contentType: 'json' | 'text';
  profile: InspectionProfile;
  /** Session scope for tokens. */
  session: string;
  /** Also prepare the copies the audit record may keep (`InspectResult.audit`): the pool does, for large bodies. */
  auditCopies?: boolean;
}

/** The masked request as the audit trail may store it (see audit/redact.ts and inspect/audit-profiles.ts). */
export interface AuditCopies {
  /** Unrewritten (report/approve/block) findings redacted too. */
  leak: Uint8Array;
  /** Every detector redacted: what a refused request's record keeps. */
  strict: Uint8Array;
}

/** The JSON type of a value, read from its first byte (no parse). */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** Metadata read from a JSON request body in the same pass (for routing, policy and audit). */
export interface RequestMeta {
  model?: string;
  stream?: boolean;
  /** Tool/function names declared or called in the request. */
  tools?: string[];
  /** Whether the client asked for `stream_options.include_usage`. */
  includeUsage?: boolean;
  /** Whether the body parsed as JSON (false ⇒ the gateway answers 400 for JSON routes). */
  validJson: boolean;
  /**
   * A top-level key Sluice decides on (`model`, `stream`, `stream_options`) that appears more than once: parsers
   * disagree on which copy wins, so policy could check one model while the provider uses another.
   */
  duplicateKey?: string;
  /**
   * What the provider will read, as types: the top-level value and the top-level members the request-shape check
   * looks at (`model`, `stream`, `messages`, …; see inspect/shape.ts). Set when `validJson`.
   */
  shape?: { top: JsonKind; members: Partial<Record<string, JsonKind>> };
}

export interface IssuedToken {
  token: string;
  value: string;
}

export interface InspectResult {
  /** The masked body (the input itself when nothing changed). */
  body: Uint8Array;
  changed: boolean;
  /**
   * Every finding with its offsets — from inline inspection. The pool returns none (receiving one object per
   * finding would cost the main thread O(findings) allocations and a long clone): `summary` has the counts.
   */
  findings: Finding[];
  /** Findings counted by detector and action. */
  summary: FindingSummary[];
  /** When `auditCopies` was asked for. */
  audit?: AuditCopies;
  /** Tokens issued for `tokenize` findings, for the vault (restore in responses). */
  tokens: IssuedToken[];
  meta: RequestMeta;
}

/** Streaming text scanner for response deltas (one per choice / content block). */
export interface TextScanner {
  /** Feed decoded text; returns text safe to release now (masked) and new findings. */
  push(text: string): { out: string; findings: Finding[] };
  /** Flush the held-back tail. */
  end(): { out: string; findings: Finding[] };
}
