// Where a proxied request goes, parsed once and normalised the way a connecting client would see it:
// WHATWG URL host parsing turns 2130706433, 0x7f.1, 0177.0.0.1, 127.1, %31%32%37.0.0.1 and [::ffff:7f00:1]
// into one canonical address, so no spelling of 127.0.0.1 reaches a check as a "name".
import { parseIp, type Ip } from './address.js';

export interface Destination {
  /** Lower-case name without a trailing dot, or the canonical address text (IPv6 without brackets). */
  host: string;
  port: number;
  /** Set when the target is an IP literal: it is checked and connected to as is, never resolved. */
  ip?: Ip;
}

const MAX_NAME = 253;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** `host:port` of a CONNECT (authority form, RFC 9110 §9.3.6); the port defaults to 443. */
export function parseConnectTarget(authority: string): Destination | null {
  // Authority form has no userinfo, path, query or fragment; `\` is a path separator to URL parsers.
  if (!authority || /[\s/?#@\\]/.test(authority)) return null;
  let hostText: string;
  let portText = '';
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return null;
    hostText = authority.slice(0, end + 1);
    const after = authority.slice(end + 1);
    if (after && !after.startsWith(':')) return null;
    portText = after.slice(1);
    if (after && !portText) return null;
  } else {
    const colon = authority.lastIndexOf(':');
    hostText = colon < 0 ? authority : authority.slice(0, colon);
    if (colon >= 0) {
      portText = authority.slice(colon + 1);
      if (!portText) return null;
    }
    if (hostText.includes(':')) return null;
  }
  const port = portText === '' ? 443 : parsePort(portText);
  if (port === null) return null;
  const host = normaliseHost(hostText);
  return host ? { ...host, port } : null;
}

/** An absolute-form `http://` request target → destination and the origin-form path + query to send. */
export function parseProxyUrl(target: string): { dest: Destination; path: string } | null {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' || !u.hostname) return null;
  const port = u.port === '' ? 80 : parsePort(u.port);
  if (port === null) return null;
  const host = normaliseHost(u.hostname);
  // The path as URL parsing resolved it (dot segments removed): the same parse decides the host and the path.
  return host ? { dest: { ...host, port }, path: `${u.pathname}${u.search}` } : null;
}

/** `[::1]`, `0x7f.1`, `API.Example.com.` → canonical host (+ address); null if it is not a usable host. */
export function normaliseHost(text: string): Omit<Destination, 'port'> | null {
  let hostname: string;
  try {
    hostname = new URL(`http://${text}/`).hostname;
  } catch {
    return null;
  }
  if (hostname.startsWith('[')) {
    const ip = parseIp(hostname.slice(1, -1));
    return ip ? { host: ip.text, ip } : null;
  }
  const ip = parseIp(hostname);
  if (ip) return { host: ip.text, ip };
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (!name || name.length > MAX_NAME || !name.split('.').every((l) => LABEL.test(l))) return null;
  return { host: name };
}

/** `host:port` for messages and records (IPv6 in brackets). */
export function authorityText(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}
