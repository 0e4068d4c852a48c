// Which headers cross the egress proxy. Hop-by-hop headers never do (RFC 9110 §7.6.1); the proxy
// credential never leaves the proxy; on `route` the caller's provider key is dropped as well.

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const PROVIDER_CREDENTIALS = new Set(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie']);

type Headers = Record<string, string | string[] | undefined>;

function copy(incoming: Headers, drop: (name: string) => boolean): Record<string, string | string[]> {
  const listed = new Set(String(incoming.connection ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined || HOP_BY_HOP.has(k) || listed.has(k) || drop(k)) continue;
    out[k] = v;
  }
  return out;
}

/** allow/log: the call goes where the caller meant, with its own headers (host comes from the URL). */
export function forwardHeaders(incoming: Headers): Record<string, string | string[]> {
  return copy(incoming, (k) => k === 'host');
}

/** route: the gateway authenticates the caller by its Sluice token; the provider key stays behind. */
export function gatewayHeaders(incoming: Headers, token: string | undefined): Record<string, string | string[]> {
  const out = copy(incoming, (k) => k === 'host' || PROVIDER_CREDENTIALS.has(k));
  if (token) out.authorization = `Bearer ${token}`;
  return out;
}

export function responseHeaders(upstream: Headers): Record<string, string | string[]> {
  return copy(upstream, () => false);
}
