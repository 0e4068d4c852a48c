// SSE framing for the two event formats (OpenAI `data:` only; named events for Anthropic and the responses
// API), plus the small fields every payload shares.

export const DONE = 'data: [DONE]\n\n';

export function dataEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export function namedEvent(type: string, payload: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** A line no SSE consumer can parse as JSON: the frame is well formed, the payload is cut short. */
export const MALFORMED_EVENT = 'data: {"id":"mock-malformed","choices":[{"delta":{"content":"\n\n';

/** Seconds since the epoch, as OpenAI's `created` fields carry. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function modelOf(json: Record<string, unknown>, fallback: string): string {
  return typeof json.model === 'string' && json.model.length > 0 ? json.model : fallback;
}
