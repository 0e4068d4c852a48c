// Path → connection + provider route. `/NAME/v1/...` picks connection NAME; bare `/v1/...` the default one.
import type { RouteMatch } from '../context.js';
import type { ConnectionConfig } from '../config/schema.js';
import type { ProviderKind } from '../types.js';
import { SluiceError } from '../errors.js';

interface RouteSpec {
  method: 'GET' | 'POST';
  /** Path after `/v1`, e.g. `/chat/completions`; `*` matches one segment. */
  path: string;
  route: string;
  inspect: boolean;
}

const OPENAI_ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/chat/completions', route: 'chat.completions', inspect: true },
  { method: 'POST', path: '/completions', route: 'completions', inspect: true },
  { method: 'POST', path: '/responses', route: 'responses', inspect: true },
  { method: 'POST', path: '/embeddings', route: 'embeddings', inspect: true },
  { method: 'POST', path: '/moderations', route: 'moderations', inspect: true },
  { method: 'GET', path: '/models', route: 'models.list', inspect: false },
  { method: 'GET', path: '/models/*', route: 'models.get', inspect: false },
];

const ANTHROPIC_ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/messages', route: 'messages', inspect: true },
  { method: 'POST', path: '/messages/count_tokens', route: 'messages.count_tokens', inspect: true },
  { method: 'GET', path: '/models', route: 'models.list', inspect: false },
  { method: 'GET', path: '/models/*', route: 'models.get', inspect: false },
];

const ROUTES: Record<ProviderKind, readonly RouteSpec[]> = { openai: OPENAI_ROUTES, anthropic: ANTHROPIC_ROUTES };

// A path parameter (e.g. a model id) never carries dots-only segments or escapes that an upstream could resolve
// into another path with Sluice's credential attached.
const QUERY_RE = /^[\x21-\x7e]*$/;
const SEGMENT_RE = /^[A-Za-z0-9._:@-]{1,256}$/;

function pathMatches(spec: string, path: string): boolean {
  if (!spec.includes('*')) return spec === path;
  const a = spec.split('/');
  const b = path.split('/');
  return a.length === b.length && a.every((seg, i) => (seg === '*' ? SEGMENT_RE.test(b[i]) && b[i] !== '.' && b[i] !== '..' : seg === b[i]));
}

export interface Router {
  resolve(method: string, path: string, query: string): RouteMatch;
  /** The provider whose error shape to use when no route matched. */
  guessProvider(path: string, headers: Record<string, string>): ProviderKind;
}

export function createRouter(connections: readonly ConnectionConfig[]): Router {
  const byName = new Map(connections.map((c) => [c.name, c]));
  const fallback = connections.find((c) => c.default) ?? connections[0];

  function split(path: string): { conn: ConnectionConfig | undefined; rest: string } {
    if (path.startsWith('/v1/') || path === '/v1') return { conn: fallback, rest: path.slice(3) };
    const slash = path.indexOf('/', 1);
    const name = slash < 0 ? path.slice(1) : path.slice(1, slash);
    const conn = byName.get(name);
    const after = slash < 0 ? '' : path.slice(slash);
    if (!conn || !(after.startsWith('/v1/') || after === '/v1')) return { conn: undefined, rest: path };
    return { conn, rest: after.slice(3) };
  }

  // Matches of fixed paths without a query (nearly every request), built once: a finite set (connections × routes),
  // frozen because every request shares them. Paths with a parameter (`/models/*`) are resolved each time.
  const fixed = new Map<string, RouteMatch>();

  return {
    resolve(method, path, query) {
      if (query === '') {
        const known = fixed.get(`${method} ${path}`);
        if (known !== undefined) return known;
      }
      // Forwarded verbatim, so only what a valid request-target may carry (RFC 3986 characters, percent-encoded).
      if (!QUERY_RE.test(query)) throw new SluiceError('SLUICE_BAD_REQUEST', 'Query string contains characters that must be percent-encoded');
      const { conn, rest } = split(path);
      if (!conn) throw new SluiceError('SLUICE_NOT_FOUND', `Unknown route: ${method} ${truncate(path)}`);
      const specs = ROUTES[conn.provider].filter((s) => pathMatches(s.path, rest));
      if (specs.length === 0) throw new SluiceError('SLUICE_NOT_FOUND', `Unknown route: ${method} ${truncate(path)}`);
      const spec = specs.find((s) => s.method === method);
      if (!spec) {
        throw new SluiceError('SLUICE_METHOD_NOT_ALLOWED', `Method ${method} not allowed on ${truncate(path)}`, {
          headers: { allow: specs.map((s) => s.method).join(', ') },
        });
      }
      const match: RouteMatch = { connection: conn.name, provider: conn.provider, route: spec.route, upstreamPath: rest, query, method, inspect: spec.inspect };
      if (query === '' && !spec.path.includes('*')) fixed.set(`${method} ${path}`, Object.freeze(match));
      return match;
    },
    guessProvider(path, headers) {
      const { conn } = split(path);
      if (conn) return conn.provider;
      if (path.includes('/messages') || headers['anthropic-version'] || headers['x-api-key']) return 'anthropic';
      return 'openai';
    },
  };
}

// Paths are echoed in errors; keep them short and printable.
function truncate(path: string): string {
  const p = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return p.replace(/[^\x20-\x7e]/g, '?');
}
