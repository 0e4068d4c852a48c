// Request framing checks uWS does not make itself (RFC 9112 §6): ambiguous lengths are a smuggling vector
// behind any front proxy, so they are refused with 400 and the connection is closed.

/** Why this request's framing is ambiguous, or undefined when it is sound. */
export function framingProblem(headers: Record<string, string>): string | undefined {
  const cl = headers['content-length'];
  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    if (cl !== undefined) return 'Request names both Transfer-Encoding and Content-Length';
    // The only transfer coding a request may use towards Sluice is a final `chunked` (RFC 9112 §6.3).
    if (te.trim().toLowerCase() !== 'chunked') return `Unsupported Transfer-Encoding: ${te.slice(0, 64)}`;
  }
  if (cl !== undefined && declaredLength(cl) === undefined) return 'Conflicting or malformed Content-Length';
  return undefined;
}

/**
 * The body length a Content-Length header declares. Repeated headers arrive joined with `, `: identical values
 * are one length (RFC 9110 §8.6); differing or non-decimal ones are undefined.
 */
export function declaredLength(value: string): number | undefined {
  let n: number | undefined;
  for (const part of value.split(',')) {
    const v = part.trim();
    if (!/^\d{1,15}$/.test(v)) return undefined;
    const len = Number(v);
    if (n !== undefined && n !== len) return undefined;
    n = len;
  }
  return n;
}
