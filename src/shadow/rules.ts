// `egress.policy.hosts`: rules that name a destination by host name, glob, IP address or CIDR range, each
// optionally with a port. They are the operator's most specific statement, so they are checked first.
//   localhost · api.internal.example:8443 · *.corp.example · 127.0.0.1:6379 · 10.0.0.0/8 · [::1]:8080 · fd00::/8
import { cidrText, inCidr, parseCidr, parseIp, type Cidr, type Ip } from './address.js';
import { hostGlobMatch } from './hosts.js';
import type { ShadowAction } from './policy.js';

export interface HostRule {
  /** Canonical form, as records show it after `host:`. */
  pattern: string;
  action: ShadowAction;
  kind: 'name' | 'glob' | 'address';
  /** name / glob (lower case, no trailing dot). */
  name?: string;
  cidr?: Cidr;
  /** Only this port when set; every port otherwise. */
  port?: number;
}

export interface HostRules {
  /** The rule for a host name (exact beats glob; the longer glob, then the rule with the port, wins). */
  byName(host: string, port: number): HostRule | undefined;
  /** The rule for an address (the longest prefix, then the rule with the port, wins). */
  byAddress(ip: Ip, port: number): HostRule | undefined;
  /** True when some address rule allows something: only then is a protected name (localhost) worth resolving. */
  readonly addressCanPermit: boolean;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Parses one rule key; a string is the problem (config validation names the key). */
export function parseHostRule(key: string, action: ShadowAction): HostRule | string {
  const k = key.trim().toLowerCase();
  let hostText: string;
  let portText: string | undefined;
  if (k.startsWith('[')) {
    const end = k.indexOf(']');
    if (end < 0) return 'expected "]" after an IPv6 address';
    hostText = k.slice(1, end);
    const rest = k.slice(end + 1);
    if (rest && !rest.startsWith(':')) return 'expected ":port" after "]"';
    if (rest) portText = rest.slice(1);
    if (!hostText.includes(':')) return 'brackets are for IPv6 addresses only';
  } else if (k.indexOf(':') !== k.lastIndexOf(':')) {
    hostText = k; // a bare IPv6 address or range; write [addr]:port to add a port
  } else {
    const colon = k.indexOf(':');
    hostText = colon < 0 ? k : k.slice(0, colon);
    if (colon >= 0) portText = k.slice(colon + 1);
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
    if (port < 1 || port > 65535) return 'expected a port between 1 and 65535 after ":"';
  }
  const withPort = (p: string) => (port === undefined ? p : `${p.includes(':') ? `[${p}]` : p}:${port}`);

  if (hostText.includes(':') || hostText.includes('/') || parseIp(hostText)) {
    const cidr = parseCidr(hostText);
    if (!cidr) return 'expected an IP address or CIDR range such as "10.0.0.0/8" or "fd00::/8"';
    return { pattern: withPort(cidrText(cidr)), action, kind: 'address', cidr, port };
  }
  if (looksNumeric(hostText)) return 'write IPv4 addresses as four decimal numbers, e.g. "127.0.0.1"';
  const name = hostText.endsWith('.') ? hostText.slice(0, -1) : hostText;
  if (!/^[a-z0-9_*.-]+$/.test(name)) return 'expected a host name, glob, IP address or CIDR range';
  if (!name.includes('*')) {
    if (name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) return 'expected a host name such as "localhost" or "api.example.com"';
    return { pattern: withPort(name), action, kind: 'name', name, port };
  }
  if (name.includes('**')) return '"**" is not supported; a leading "*." already matches any depth';
  const labels = name.split('.');
  if (labels.length < 3 || labels.slice(-2).some((l) => l.includes('*') || l === '')) return 'the last two labels of a glob must be literal (e.g. "*.example.com")';
  return { pattern: withPort(name), action, kind: 'glob', name, port };
}

export function createHostRules(rules: readonly HostRule[]): HostRules {
  const exact = new Map<string, HostRule[]>();
  const globs: HostRule[] = [];
  const addresses: HostRule[] = [];
  for (const r of rules) {
    if (r.kind === 'name') exact.set(r.name!, [...(exact.get(r.name!) ?? []), r]);
    else if (r.kind === 'glob') globs.push(r);
    else addresses.push(r);
  }
  const fits = (r: HostRule, port: number) => r.port === undefined || r.port === port;
  // More specific first, so the first rule that fits is the one that applies.
  const withPortFirst = (a: HostRule, b: HostRule) => Number(b.port !== undefined) - Number(a.port !== undefined);
  for (const list of exact.values()) list.sort(withPortFirst);
  globs.sort((a, b) => b.name!.length - a.name!.length || withPortFirst(a, b));
  addresses.sort((a, b) => b.cidr!.bits - a.cidr!.bits || withPortFirst(a, b));
  return {
    byName(host, port) {
      const hit = exact.get(host)?.find((r) => fits(r, port));
      return hit ?? globs.find((r) => fits(r, port) && hostGlobMatch(r.name!, host));
    },
    byAddress(ip, port) {
      return addresses.find((r) => fits(r, port) && inCidr(ip, r.cidr!));
    },
    addressCanPermit: addresses.some((r) => r.action !== 'block'),
  };
}

// `127.1`, `0x7f.1`, `2130706433`: URL parsers read these as IPv4, so a rule written so would never match a name.
function looksNumeric(h: string): boolean {
  try {
    return parseIp(new URL(`http://${h}/`).hostname) !== null;
  } catch {
    return false;
  }
}
