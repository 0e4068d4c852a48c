// Domain types shared by every step of the request path (DESIGN.md, "The path of one request").

export type ProviderKind = 'openai' | 'anthropic';

/** Who is calling. Built by auth/, consumed by policy/, approval/ and audit/. */
export interface Identity {
  subject: string;
  groups: string[];
  /** The job (Flink/Spark/LangGraph graph) the call belongs to, if known. */
  job?: string;
  /** Conversation/session the call belongs to; generated when the client sends none. */
  session: string;
  jti?: string;
  issuer?: string;
  /** How the identity was established. */
  via: 'jwt' | 'service-key';
}

/** What a detector may ask for. `block`/`approve` change the decision; the rest rewrite the text. */
export type DetectorAction = 'mask' | 'redact' | 'tokenize' | 'hash' | 'block' | 'approve' | 'report';

/** One detected value. Offsets are byte offsets into the inspected body; the raw value is never kept. */
export interface Finding {
  detector: string;
  type: string;
  action: DetectorAction;
  start: number;
  end: number;
}

/** Findings folded for decisions and audit: never carries raw values or offsets. */
export interface FindingSummary {
  detector: string;
  type: string;
  action: DetectorAction;
  count: number;
}

export type DecisionOutcome = 'allow' | 'block' | 'approve';

/** The policy verdict for one request. */
export interface Decision {
  outcome: DecisionOutcome;
  /** Rule ids that produced the outcome, most significant first. */
  rules: string[];
  /** Human-readable reason, safe to show the caller (never contains data). */
  reason?: string;
  /** Approval mode when outcome is `approve`. */
  approvalMode?: 'hold' | 'ticket';
  /** Whether tokens Sluice issued may be restored in the response. */
  restoreTokens?: boolean;
}

export type AuditDecision =
  | 'allowed'
  | 'masked'
  | 'held'
  | 'approved'
  | 'denied'
  | 'blocked'
  | 'failed';

export interface TokenUsage {
  input?: number;
  /** Of `input`, the tokens read from the provider's prompt cache (billed lower), when it says. */
  cachedInput?: number;
  output?: number;
  total?: number;
}
