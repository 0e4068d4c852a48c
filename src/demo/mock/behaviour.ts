// Per-request behaviour from `x-mock-*` headers, so tests drive the mock through a gateway that forwards headers.

import type { MockBehaviour } from './types.js';

/** Node's `req.headers`: lower-cased names, repeated headers as arrays. */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

function one(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** A control header the mock cannot read; answered with 400 so a typo in a test fails loudly. */
export class MockHeaderError extends Error {
  constructor(header: string, expected: string) {
    super(`mock provider: header ${header} must be ${expected}`);
    this.name = 'MockHeaderError';
  }
}

function int(headers: HeaderBag, name: string): number | undefined {
  const raw = one(headers, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new MockHeaderError(name, 'a non-negative integer');
  return n;
}

function flag(headers: HeaderBag, name: string): boolean | undefined {
  const raw = one(headers, name);
  if (raw === undefined) return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new MockHeaderError(name, '1/true or 0/false');
}

function jsonHeader(headers: HeaderBag, name: string, expected: string): unknown {
  const raw = one(headers, name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new MockHeaderError(name, expected);
  }
}

function deltas(headers: HeaderBag): string[] | undefined {
  const parsed = jsonHeader(headers, 'x-mock-deltas', 'a JSON array of strings');
  if (parsed === undefined) return undefined;
  if (!Array.isArray(parsed) || !parsed.every((d) => typeof d === 'string')) {
    throw new MockHeaderError('x-mock-deltas', 'a JSON array of strings');
  }
  return parsed;
}

/** `x-mock-reply` for plain ASCII; `x-mock-reply-json` (a JSON string) for anything a header cannot carry raw. */
function reply(headers: HeaderBag): string | undefined {
  const plain = one(headers, 'x-mock-reply');
  if (plain !== undefined) return plain;
  const parsed = jsonHeader(headers, 'x-mock-reply-json', 'a JSON string');
  if (parsed === undefined || typeof parsed === 'string') return parsed;
  throw new MockHeaderError('x-mock-reply-json', 'a JSON string');
}

/** `x-mock-malformed: 1` breaks the stream after its first event; a larger N before event N. */
function malformed(headers: HeaderBag): number | undefined {
  const raw = one(headers, 'x-mock-malformed');
  if (raw === undefined || raw === '0' || raw === 'false') return undefined;
  if (raw === 'true') return 1;
  return int(headers, 'x-mock-malformed');
}

function tools(headers: HeaderBag): 'auto' | 'none' | undefined {
  const raw = one(headers, 'x-mock-tools');
  if (raw === undefined || raw === 'auto' || raw === 'none') return raw;
  throw new MockHeaderError('x-mock-tools', 'auto or none');
}

/** Only the fields a header set, so merging keeps earlier layers' values. */
export function behaviourFromHeaders(headers: HeaderBag): MockBehaviour {
  const b: MockBehaviour = {
    status: int(headers, 'x-mock-status'),
    errorMessage: one(headers, 'x-mock-error-message'),
    reply: reply(headers),
    deltas: deltas(headers),
    chunkChars: int(headers, 'x-mock-chunk'),
    latencyMs: int(headers, 'x-mock-latency-ms'),
    tokenDelayMs: int(headers, 'x-mock-token-delay-ms'),
    resetAfter: int(headers, 'x-mock-reset-after'),
    stallAfter: int(headers, 'x-mock-stall-after'),
    hang: flag(headers, 'x-mock-hang'),
    malformedAt: malformed(headers),
    tools: tools(headers),
  };
  return dropUndefined(b);
}

function dropUndefined(b: MockBehaviour): MockBehaviour {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) if (v !== undefined) out[k] = v;
  return out as MockBehaviour;
}

/** Later layers win field by field; `undefined` fields in a layer never erase earlier ones. */
export function mergeBehaviour(base: MockBehaviour, layer: MockBehaviour | undefined): MockBehaviour {
  return layer === undefined ? base : { ...base, ...dropUndefined(layer) };
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** JSON with every non-ASCII character escaped: header values must be ASCII, and `\n` may not appear raw. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The inverse of `behaviourFromHeaders`: headers a test sends (through a gateway) to get `b`. */
export function behaviourToHeaders(b: MockBehaviour): Record<string, string> {
  const h: Record<string, string> = {};
  const put = (name: string, v: string | number | boolean | undefined): void => {
    if (v !== undefined) h[name] = String(v);
  };
  put('x-mock-status', b.status);
  put('x-mock-error-message', b.errorMessage);
  if (b.reply !== undefined) {
    // Header values lose surrounding whitespace in transit, so only a trimmed printable reply goes raw.
    if (PRINTABLE_ASCII.test(b.reply) && b.reply === b.reply.trim()) h['x-mock-reply'] = b.reply;
    else h['x-mock-reply-json'] = asciiJson(b.reply);
  }
  if (b.deltas !== undefined) h['x-mock-deltas'] = asciiJson(b.deltas);
  put('x-mock-chunk', b.chunkChars);
  put('x-mock-latency-ms', b.latencyMs);
  put('x-mock-token-delay-ms', b.tokenDelayMs);
  put('x-mock-reset-after', b.resetAfter);
  put('x-mock-stall-after', b.stallAfter);
  if (b.hang !== undefined) h['x-mock-hang'] = b.hang ? '1' : '0';
  put('x-mock-malformed', b.malformedAt);
  put('x-mock-tools', b.tools);
  return h;
}
