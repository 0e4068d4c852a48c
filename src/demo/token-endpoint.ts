// The demo issuer's OAuth 2.0 token endpoint: the client_credentials grant (RFC 6749 §4.4), as Keycloak, Okta,
// Entra ID and Auth0 serve it to service accounts. Jobs and the examples fetch, cache and refresh their tokens
// here exactly as they would from a real IdP. Demo mode only; errors are RFC 6749 §5.2 bodies, not Sluice's.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DemoClientConfig } from '../config/schema.js';
import type { RequestContext } from '../context.js';
import type { Logger } from '../observe/logger.js';
import type { AdminJsonResponse, AdminRoutes } from '../ports.js';
import { mintDemoToken } from './issuer.js';

export const TOKEN_PATH = '/sluice/demo/token';
/** A token request is a few form fields; anything larger is not one. */
const MAX_BODY_BYTES = 4096;
const FORM_TYPE = 'application/x-www-form-urlencoded';
const KNOWN_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'scope']);
// RFC 6749 §5.1: responses carrying tokens must not be cached.
const NO_STORE: Array<[string, string]> = [
  ['cache-control', 'no-store'],
  ['pragma', 'no-cache'],
];

type AdminResponse = AdminJsonResponse;
type OAuthError = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

export interface TokenEndpointOptions {
  /** The demo issuer's directory (its signing key). */
  dir: string;
  clients: readonly DemoClientConfig[];
  logger?: Logger;
}

interface Client {
  config: DemoClientConfig;
  secretDigest: Buffer;
}

/** Raised inside the handler; turned into an RFC 6749 §5.2 error response. */
class TokenError extends Error {
  constructor(readonly error: OAuthError, message: string, readonly status = 400) {
    super(message);
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function createTokenEndpoint(opts: TokenEndpointOptions): AdminRoutes {
  const clients = new Map<string, Client>(opts.clients.map((c) => [c.id, { config: c, secretDigest: digest(c.secret) }]));
  // Unknown client ids are checked against this, so they take as long as a wrong secret.
  const decoy = digest(randomBytes(32).toString('hex'));

  return {
    async handle(ctx: RequestContext, body: Uint8Array): Promise<AdminResponse | null> {
      const path = ctx.path.split('?', 1)[0];
      if (path !== TOKEN_PATH) return null;
      if (ctx.method !== 'POST') {
        return { status: 405, body: errorBody('invalid_request', 'Use POST on the token endpoint'), headers: [['allow', 'POST'], ...NO_STORE] };
      }
      try {
        return await issue(ctx, body);
      } catch (err) {
        if (!(err instanceof TokenError)) throw err;
        const headers = [...NO_STORE];
        // RFC 6749 §5.2: a 401 answers with the scheme the client may authenticate with.
        if (err.status === 401) headers.push(['www-authenticate', 'Basic realm="sluice-demo", charset="UTF-8"']);
        return { status: err.status, body: errorBody(err.error, err.message), headers };
      }
    },
  };

  async function issue(ctx: RequestContext, body: Uint8Array): Promise<AdminResponse> {
    const form = readForm(ctx, body);
    const grant = form.get('grant_type');
    if (grant === undefined) throw new TokenError('invalid_request', 'grant_type is required');
    if (grant !== 'client_credentials') throw new TokenError('unsupported_grant_type', 'Only grant_type=client_credentials is supported');
    const client = authenticateClient(ctx.headers.authorization, form);
    // The demo issuer grants no scopes; naming one is an error rather than a silent narrowing (RFC 6749 §3.3).
    const scope = form.get('scope');
    if (scope !== undefined && scope.trim() !== '') throw new TokenError('invalid_scope', 'The demo issuer grants no scopes; omit scope');
    const c = client.config;
    const accessToken = await mintDemoToken(opts.dir, { subject: c.subject, groups: c.groups, job: c.job, ttlSeconds: c.ttlSeconds });
    opts.logger?.info({ client: c.id, ttlSeconds: c.ttlSeconds }, 'demo token issued');
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: c.ttlSeconds }, headers: [...NO_STORE] };
  }

  /** RFC 6749 §2.3.1: HTTP Basic (client_secret_basic) or body parameters (client_secret_post), never both. */
  function authenticateClient(authorization: string | undefined, form: Map<string, string>): Client {
    const basic = authorization === undefined ? undefined : parseBasic(authorization);
    let id: string | undefined;
    let secret: string | undefined;
    if (basic) {
      if (form.has('client_secret')) throw new TokenError('invalid_request', 'Use one client authentication method: HTTP Basic or client_secret, not both');
      const named = form.get('client_id');
      if (named !== undefined && named !== basic.id) throw new TokenError('invalid_request', 'client_id does not match the HTTP Basic credentials');
      ({ id, secret } = basic);
    } else {
      id = form.get('client_id');
      secret = form.get('client_secret');
    }
    if (id === undefined || secret === undefined) throw new TokenError('invalid_client', 'Client authentication is required (HTTP Basic, or client_id and client_secret)', 401);
    const client = clients.get(id);
    // Compare fixed-length digests in constant time, and spend the same work on unknown ids.
    const ok = timingSafeEqual(digest(secret), client?.secretDigest ?? decoy) && client !== undefined;
    if (!ok) {
      opts.logger?.warn({ knownClient: client !== undefined }, 'demo token endpoint: client authentication failed');
      throw new TokenError('invalid_client', 'Client authentication failed', 401);
    }
    return client;
  }
}

function errorBody(error: OAuthError, description: string): { error: OAuthError; error_description: string } {
  return { error, error_description: description };
}

/** The form body, refusing what RFC 6749 forbids: other media types, repeated parameters (§3.2), unknown ones. */
function readForm(ctx: RequestContext, body: Uint8Array): Map<string, string> {
  const type = (ctx.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  if (type !== FORM_TYPE) throw new TokenError('invalid_request', `The token request must be ${FORM_TYPE}`);
  if (body.byteLength > MAX_BODY_BYTES) throw new TokenError('invalid_request', `The token request exceeds ${MAX_BODY_BYTES} bytes`);
  const form = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))) {
    if (form.has(k)) throw new TokenError('invalid_request', `Parameter ${k.slice(0, 40)} appears more than once`);
    if (!KNOWN_PARAMS.has(k)) continue; // RFC 6749 §3.2: unrecognized parameters are ignored.
    form.set(k, v);
  }
  return form;
}

/** `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1); other schemes are no client authentication. */
function parseBasic(header: string): { id: string; secret: string } | undefined {
  const m = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) {
    if (/^basic\b/i.test(header)) throw new TokenError('invalid_client', 'Malformed HTTP Basic credentials', 401);
    return undefined;
  }
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new TokenError('invalid_client', 'Malformed HTTP Basic credentials', 401);
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new TokenError('invalid_client', 'Malformed HTTP Basic credentials', 401);
  }
}

function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}
