// Console sessions on the main thread: a random id in an HttpOnly cookie, looked up by its hash; idle and
// absolute timeouts; a CSRF token per session. Pending sign-ins (state, nonce, PKCE verifier) live here too.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ConsoleUser {
  subject: string;
  groups: string[];
}

export interface Session {
  user: ConsoleUser;
  csrf: string;
  createdAt: number;
  lastSeen: number;
}

export interface PendingLogin {
  verifier: string;
  nonce: string;
  /** Where to go after signing in (a console path). */
  returnTo: string;
  /** Ties the callback to the browser that started the sign-in (a short-lived cookie). */
  browser: string;
  expires: number;
}

export interface SessionStoreOptions {
  idleMs: number;
  absoluteMs: number;
  maxSessions?: number;
  now?: () => number;
}

const LOGIN_TTL_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

export const token = (bytes = 32): string => randomBytes(bytes).toString('base64url');
const digest = (id: string): string => createHash('sha256').update(id).digest('base64url');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface SessionStore {
  create(user: ConsoleUser): { id: string; session: Session };
  /** The live session for a cookie value (touching it), or undefined when unknown, idle too long or too old. */
  get(id: string | undefined): Session | undefined;
  destroy(id: string | undefined): void;
  startLogin(returnTo: string): { state: string; login: PendingLogin };
  /** One use only: the state is forgotten whether or not the rest of the callback succeeds. */
  takeLogin(state: string): PendingLogin | undefined;
  readonly size: number;
}

export function createSessionStore(o: SessionStoreOptions): SessionStore {
  const now = o.now ?? Date.now;
  const max = o.maxSessions ?? 10_000;
  // Keyed by the hash of the cookie value: a heap dump or a timing side channel on the map does not yield cookies.
  const sessions = new Map<string, Session>();
  const pending = new Map<string, PendingLogin>();

  function alive(s: Session, t: number): boolean {
    return t - s.lastSeen < o.idleMs && t - s.createdAt < o.absoluteMs;
  }

  function create(user: ConsoleUser): { id: string; session: Session } {
    const t = now();
    if (sessions.size >= max) {
      for (const [k, s] of sessions) if (!alive(s, t)) sessions.delete(k);
      // Still full: the oldest session goes (Map order is creation order).
      if (sessions.size >= max) sessions.delete(sessions.keys().next().value as string);
    }
    const id = token();
    const session: Session = { user: { subject: user.subject, groups: [...user.groups] }, csrf: token(), createdAt: t, lastSeen: t };
    sessions.set(digest(id), session);
    return { id, session };
  }

  function get(id: string | undefined): Session | undefined {
    if (!id || id.length > 128) return undefined;
    const key = digest(id);
    const s = sessions.get(key);
    if (!s) return undefined;
    const t = now();
    if (!alive(s, t)) {
      sessions.delete(key);
      return undefined;
    }
    s.lastSeen = t;
    return s;
  }

  function startLogin(returnTo: string): { state: string; login: PendingLogin } {
    const t = now();
    if (pending.size >= MAX_PENDING) {
      for (const [k, p] of pending) if (p.expires <= t) pending.delete(k);
      if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value as string);
    }
    const state = token();
    const login: PendingLogin = { verifier: token(48), nonce: token(), returnTo, browser: token(), expires: t + LOGIN_TTL_MS };
    pending.set(state, login);
    return { state, login };
  }

  function takeLogin(state: string): PendingLogin | undefined {
    const p = pending.get(state);
    pending.delete(state);
    return p && p.expires > now() ? p : undefined;
  }

  return {
    create,
    get,
    destroy: (id) => void (id && sessions.delete(digest(id))),
    startLogin,
    takeLogin,
    get size() {
      return sessions.size;
    },
  };
}
