// The operator endpoints' answers (/healthz, /readyz, /metrics) shared by the gateway, the admin listener and the
// main thread that assembles them from every HTTP thread.
import { randomUUID } from 'node:crypto';
import type { ClientExchange } from './http/exchange.js';
import type { ReadinessCheck } from './ports.js';
import { SluiceError, errorBody, toSluiceError } from './errors.js';

export type Check = { ok: boolean; detail?: string };

export const JSON_HEADERS: Array<[string, string]> = [['content-type', 'application/json']];
export const OPERATIONS = new Set(['/healthz', '/readyz', '/metrics']);

export function readinessReport(checks: Record<string, Check>): { status: number; contentType: string; body: string } {
  const ready = Object.values(checks).every((c) => c.ok);
  return { status: ready ? 200 : 503, contentType: 'application/json', body: JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }) };
}

/**
 * The admin listener's handler on the main thread while HTTP threads serve the traffic (`server.admin` with
 * `server.threads` > 1): /readyz and /metrics come from the owner, which assembles them from every thread.
 */
export function adminHandler(answer: (path: '/readyz' | '/metrics') => Promise<{ status: number; contentType: string; body: string }>): (x: ClientExchange) => void {
  return function handleAdminExchange(x) {
    const path = x.path;
    if (path === '/healthz') return x.respond(200, JSON_HEADERS, '{"status":"ok"}');
    const id = randomUUID();
    if (path !== '/readyz' && path !== '/metrics') {
      const e = new SluiceError('SLUICE_NOT_FOUND', `The admin listener serves ${[...OPERATIONS].join(', ')} only`);
      return x.respond(e.status, [...JSON_HEADERS, ['x-request-id', id]], errorBody(e, 'openai'));
    }
    answer(path).then(
      (out) => {
        if (!x.aborted) x.respond(out.status, [['content-type', out.contentType], ['x-request-id', id]], path === '/readyz' ? withRequestId(out.body, id) : out.body);
      },
      (err: unknown) => {
        const e = toSluiceError(err);
        if (!x.aborted) x.respond(e.status, JSON_HEADERS, errorBody(e, 'openai'));
      },
    );
  };
}

/** Appends the request id to a /readyz body (`{...}` → `{...,"requestId":"…"}`). */
export function withRequestId(body: string, id: string): string {
  return `${body.slice(0, -1)},"requestId":${JSON.stringify(id)}}`;
}

export function safeCheck(c: ReadinessCheck): { ok: boolean; detail?: string } {
  try {
    return c.check();
  } catch (err) {
    return { ok: false, detail: `check failed: ${(err as Error).message}` };
  }
}
