// Proxy-Authorization → Identity, with the same tokens and service keys the gateway accepts.
// `Bearer <token>`, or `Basic` with the token as password (or as user name when the password is empty),
// which is what `HTTPS_PROXY=http://user:TOKEN@proxy:3128` makes clients send.
import type { Identity } from '../types.js';
import { SluiceError } from '../errors.js';

export type Authenticate = (headers: Record<string, string>, remote: string) => Promise<Identity>;

const MAX_CREDENTIAL = 16 * 1024;
// Never handed to the authenticator: it must see the proxy token, not the provider key the job carries.
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie']);

export function proxyToken(header: string | undefined): string | undefined {
  if (!header || header.length > MAX_CREDENTIAL) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return decoded || undefined;
  return decoded.slice(colon + 1) || decoded.slice(0, colon) || undefined;
}

export interface Caller {
  identity?: Identity;
  /** The proxy token, for `route` (becomes the gateway's Authorization). Never logged. */
  token?: string;
}

/** Throws SluiceError when the caller may not use the proxy (401-class codes: the proxy answers 407). */
export async function identifyCaller(
  headers: Record<string, string | string[] | undefined>,
  remote: string,
  authenticate: Authenticate | undefined,
  requireAuth: boolean,
): Promise<Caller> {
  const raw = headers['proxy-authorization'];
  const token = proxyToken(Array.isArray(raw) ? raw[0] : raw);
  if (!token) {
    if (requireAuth) throw proxyAuthError('SLUICE_AUTH_MISSING', 'Proxy authentication required: send Proxy-Authorization with your Sluice token');
    return {};
  }
  if (!authenticate) return { token };
  const forAuth: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!CREDENTIAL_HEADERS.has(k) && typeof v === 'string') forAuth[k] = v;
  forAuth.authorization = `Bearer ${token}`;
  try {
    return { identity: await authenticate(forAuth, remote), token };
  } catch (err) {
    if (err instanceof SluiceError && err.status === 401) throw proxyAuthError(err.code, err.message);
    throw err;
  }
}

function proxyAuthError(code: SluiceError['code'], message: string): SluiceError {
  return new SluiceError(code, message, { headers: { 'proxy-authenticate': 'Bearer realm="sluice-egress", Basic realm="sluice-egress"' } });
}
