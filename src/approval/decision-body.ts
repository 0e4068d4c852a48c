// The body of POST /sluice/approvals/:id/approve|deny, validated with exact messages.
import { SluiceError } from '../errors.js';

export interface DecisionInput {
  comment: string | null;
  grantMinutes: number | null;
}

export const MAX_COMMENT_CHARS = 2000;
const MAX_BODY_BYTES = 16 * 1024;
const KEYS = { approve: ['comment', 'grantMinutes'], deny: ['comment'] } as const;

export function readDecision(body: Uint8Array, verb: 'approve' | 'deny', maxGrantMinutes: number): DecisionInput {
  return decisionFrom(parseObject(body), verb, maxGrantMinutes);
}

/** The same checks for fields that arrived another way (the console's form posts). */
export function decisionFrom(o: Record<string, unknown>, verb: 'approve' | 'deny', maxGrantMinutes: number): DecisionInput {
  for (const k of Object.keys(o)) {
    if (!(KEYS[verb] as readonly string[]).includes(k)) throw bad(`unknown field "${k.slice(0, 64)}" (expected: ${KEYS[verb].join(', ')})`);
  }
  const comment = readComment(o.comment);
  if (verb === 'deny' && comment === null) throw bad('comment is required to deny');
  return { comment, grantMinutes: readGrant(o.grantMinutes, maxGrantMinutes) };
}

function parseObject(body: Uint8Array): Record<string, unknown> {
  if (body.byteLength === 0) return {};
  if (body.byteLength > MAX_BODY_BYTES) throw bad(`body must be at most ${MAX_BODY_BYTES} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new SluiceError('SLUICE_BAD_JSON', 'body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('body must be a JSON object');
  return v as Record<string, unknown>;
}

function readComment(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad('comment must be a string');
  const c = v.trim();
  if (c.length > MAX_COMMENT_CHARS) throw bad(`comment must be at most ${MAX_COMMENT_CHARS} characters`);
  return c === '' ? null : c;
}

function readGrant(v: unknown, max: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw bad(`grantMinutes must be an integer from 1 to ${max}`);
  return v;
}

function bad(message: string): SluiceError {
  return new SluiceError('SLUICE_BAD_REQUEST', message);
}
