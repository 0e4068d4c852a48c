// One line of egress evidence → who called which host (and path) when. Formats are recognised per line:
// Squid native access log, nginx/Apache common/combined, and JSON lines from flow, proxy or DNS exports.

export type LogFormat = 'squid' | 'combined' | 'json';

export interface LogEvent {
  format: LogFormat;
  /** Client address (or '-' when the line names none). */
  source: string;
  /** Host as written ('' when the line names only a path). */
  host: string;
  path?: string;
  /** Milliseconds since the epoch. */
  time?: number;
}

// time elapsed client code/status bytes method URL ... (http://www.squid-cache.org/Doc/config/logformat/)
const SQUID_RE = /^(\d{9,11}(?:\.\d{1,6})?)\s+-?\d+\s+(\S+)\s+\S+\s+\S+\s+([A-Z_]+)\s+(\S+)/;
// host ident user [time] "request" ...: the combined format adds status, bytes, referer and agent.
const COMBINED_RE = /^(\S+) \S+ \S+ \[([^\]]{10,40})\] "([^"]*)"/;

const SOURCE_KEYS = ['src', 'source', 'src_ip', 'source_ip', 'client', 'client_ip', 'clientip', 'remote_addr', 'remote_ip', 'id.orig_h', 'sourceAddress', 'srcaddr'];
const URL_KEYS = ['url', 'uri', 'request_url', 'http_url'];
const HOST_KEYS = ['host', 'hostname', 'dest', 'dest_host', 'dst', 'dst_host', 'destination', 'domain', 'server_name', 'sni', 'query', 'qname', 'dns_query'];
const TIME_KEYS = ['ts', 'time', 'timestamp', '@timestamp', 'start', 'date'];

/** Parses a line; `null` means it is not in any known format (counted as malformed by the scanner). */
export function parseLogLine(line: string): LogEvent | null {
  const c = line.charCodeAt(0);
  if (c === 123 /* { */) return parseJson(line);
  if (c >= 48 && c <= 57) {
    const s = SQUID_RE.exec(line);
    if (s) return { format: 'squid', source: s[2], ...parseTarget(s[4]), time: Number(s[1]) * 1000 };
  }
  const m = COMBINED_RE.exec(line);
  if (!m) return null;
  const time = parseClfTime(m[2]);
  if (time === undefined) return null;
  const parts = m[3].split(' ');
  // A request of "-" (client sent nothing usable) is a real log line that names no target.
  const target = parts.length >= 2 ? parseTarget(parts[1]) : { host: '' };
  return { format: 'combined', source: m[1], ...target, time };
}

/** A request target or URL: `/path`, `scheme://host:port/path?q`, or `host:port` (CONNECT). */
export function parseTarget(t: string): { host: string; path?: string } {
  if (t.charCodeAt(0) === 47 /* / */) return { host: '', path: t };
  const scheme = t.indexOf('://');
  if (scheme < 0) return { host: t };
  const start = scheme + 3;
  let end = start;
  while (end < t.length) {
    const ch = t.charCodeAt(end);
    if (ch === 47 || ch === 63 || ch === 35) break; // / ? #
    end++;
  }
  const authority = t.slice(start, end);
  const at = authority.lastIndexOf('@');
  return { host: at < 0 ? authority : authority.slice(at + 1), path: end < t.length ? t.slice(end) : '/' };
}

function parseJson(line: string): LogEvent | null {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return null;
  const rec = o as Record<string, unknown>;
  const url = pick(rec, URL_KEYS);
  const host = pick(rec, HOST_KEYS);
  if (url === undefined && host === undefined) return null;
  const target = url !== undefined ? parseTarget(url) : { host: host! };
  // A URL given as a bare path borrows the host field.
  if (!target.host && host !== undefined) target.host = host;
  return { format: 'json', source: pick(rec, SOURCE_KEYS) ?? '-', ...target, time: jsonTime(rec) };
}

function pick(rec: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    let v = rec[k];
    // Nested shapes such as {"client": {"ip": "10.0.0.1"}} (ECS, Zeek JSON).
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = v as Record<string, unknown>;
      v = inner.ip ?? inner.address ?? inner.domain ?? inner.host;
    }
    if (typeof v === 'string' && v.length > 0 && v.length <= 2048) return v;
  }
  return undefined;
}

function jsonTime(rec: Record<string, unknown>): number | undefined {
  for (const k of TIME_KEYS) {
    const v = rec[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? v : v * 1000; // ms vs seconds
    if (typeof v === 'string') {
      const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
      if (Number.isFinite(n)) return n > 1e11 ? n : n * 1000;
      const d = Date.parse(v);
      if (Number.isFinite(d)) return d;
    }
  }
  return undefined;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const CLF_TIME_RE = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** `10/Oct/2023:13:55:36 +0200` → ms since the epoch. */
function parseClfTime(s: string): number | undefined {
  const m = CLF_TIME_RE.exec(s);
  if (!m) return undefined;
  const month = MONTHS[m[2]];
  if (month === undefined) return undefined;
  const utc = Date.UTC(+m[3], month, +m[1], +m[4], +m[5], +m[6]);
  const offset = (+m[8] * 60 + +m[9]) * 60_000 * (m[7] === '-' ? -1 : 1);
  return utc - offset;
}
