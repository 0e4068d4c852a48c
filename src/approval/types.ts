// The approval record and the events it goes through. Shared by the store, the gate, the reviewer API and the CLI.
import type { FindingSummary } from '../types.js';

export type ApprovalMode = 'hold' | 'ticket';

/** `pending` until a reviewer decides, the timeout passes (`expired`) or a held client goes away (`cancelled`). */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = Object.freeze(['pending', 'approved', 'denied', 'expired', 'cancelled']);

export interface ApprovalIdentity {
  subject: string;
  groups: string[];
  job: string | null;
  session: string;
}

/** The masked prompt as a reviewer sees it: text pulled out of the masked body, cut to a bounded size. */
export interface ApprovalPrompt {
  text: string;
  /** Size of the whole masked request body. */
  bytes: number;
  truncated: boolean;
  /** The request's settings besides the conversation and model (temperature, max_tokens, stream, tools, …). */
  params?: Record<string, string | number | boolean>;
}

export interface Approval {
  /** Random, URL-safe (base64url of 16 bytes). */
  id: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  expiresAt: number;
  /** The request that asked for approval (its x-request-id). */
  requestId: string;
  identity: ApprovalIdentity;
  connection: string | null;
  route: string | null;
  model: string | null;
  prompt: ApprovalPrompt;
  findings: FindingSummary[];
  rule: string;
  justification: string | null;
  mode: ApprovalMode;
  status: ApprovalStatus;
  reviewer: string | null;
  comment: string | null;
  decidedAt: number | null;
  /** Minutes of standing grant the reviewer attached to an approve. */
  grantMinutes: number | null;
  /** Hex SHA-256 of the masked request body: a ticket only redeems for the identical request. */
  requestHash: string;
  /** Requests that passed on this approval (ticket redemptions). */
  uses: number;
}

/**
 * Same job + same rule pass without a new approval until `until`. The subject is kept too: a job name can come
 * from a caller-set header (`allowJobHeader`), so only the caller the reviewer approved may use the grant.
 */
export interface StandingGrant {
  job: string;
  subject: string;
  rule: string;
  reviewer: string;
  approvalId: string;
  until: number;
}

/** What ends a pending approval. */
export type Settlement =
  | { status: 'approved'; reviewer: string; comment: string | null; grantMinutes: number | null }
  | { status: 'denied'; reviewer: string; comment: string | null }
  | { status: 'expired' | 'cancelled' };

/** Events that are audited and notified. */
export type ApprovalEvent = 'requested' | Exclude<ApprovalStatus, 'pending'>;
