// Which headers cross the gateway, in each direction.
import type { ConnectionConfig } from '../config/schema.js';

// RFC 9110 §7.6.1 hop-by-hop headers, plus what Sluice owns (credentials, its own controls, length: undici recomputes it).
const DROP_REQUEST = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'authorization', 'x-api-key', 'api-key', 'cookie',
  'expect', 'accept-encoding', 'content-encoding',
]);

const DROP_RESPONSE = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding',
  'upgrade', 'content-length', 'date', 'server', 'set-cookie', 'content-encoding',
]);

/** Request headers for upstream: caller's safe headers, minus hop-by-hop and credentials, plus the connection's. */
export function upstreamRequestHeaders(incoming: Record<string, string>, conn: ConnectionConfig, requestId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in incoming) {
    if (DROP_REQUEST.has(k) || k.startsWith('x-sluice-') || k.startsWith('sec-')) continue;
    out[k] = incoming[k];
  }
  // Connection-listed headers are also hop-by-hop (RFC 9110 §7.6.1).
  const listed = incoming.connection;
  if (listed) for (const name of listed.split(',')) delete out[name.trim().toLowerCase()];
  const own = connectionHeaders(conn);
  for (let i = 0; i < own.length; i += 2) out[own[i]] = own[i + 1];
  out['x-request-id'] = requestId;
  if (conn.provider === 'anthropic' && !out['anthropic-version']) out['anthropic-version'] = conn.anthropicVersion;
  if (own.credential) out[own.credential[0]] = own.credential[1];
  return out;
}

type OwnHeaders = string[] & { credential?: [string, string] };
/** What a connection adds to every request, built once per connection (config objects are replaced, not mutated). */
const ownHeaders = new WeakMap<ConnectionConfig, OwnHeaders>();
function connectionHeaders(conn: ConnectionConfig): OwnHeaders {
  let own = ownHeaders.get(conn);
  if (own) return own;
  own = [];
  for (const [k, v] of Object.entries(conn.headers)) own.push(k.toLowerCase(), v);
  // Responses are inspected as text: ask for identity encoding so masking never sees compressed bytes.
  own.push('accept-encoding', 'identity');
  if (conn.credential) own.credential = conn.credentialHeader === 'bearer' ? ['authorization', `Bearer ${conn.credential}`] : [conn.credentialHeader, conn.credential];
  ownHeaders.set(conn, own);
  return own;
}

/** Response headers to relay to the client. */
export function clientResponseHeaders(upstream: Record<string, string | string[] | undefined>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const listed = new Set(String(upstream.connection ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
  for (const k in upstream) {
    const v = upstream[k];
    if (v === undefined || DROP_RESPONSE.has(k) || listed.has(k)) continue;
    // Sluice's own request id wins; the provider's stays available for support tickets.
    if (k === 'x-request-id') {
      out.push(['x-upstream-request-id', String(v)]);
      continue;
    }
    if (Array.isArray(v)) for (const x of v) out.push([k, x]);
    else out.push([k, v]);
  }
  return out;
}
