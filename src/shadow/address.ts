// IP addresses for the egress proxy's destination checks: parsed to bytes, IPv4-mapped IPv6 unmapped, CIDR
// matching, and the address classes the proxy refuses unless a rule names them (loopback, metadata, ...).
import { isIPv4, isIPv6 } from 'node:net';

export interface Ip {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  /** Canonical text: dotted decimal, or RFC 5952 IPv6 without brackets. */
  text: string;
}

export interface Cidr {
  ip: Ip;
  bits: number;
}

/** Canonical dotted-decimal IPv4 or IPv6 text (no brackets, no zone) → Ip; IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(s: string): Ip | null {
  if (isIPv4(s)) return v4(Uint8Array.from(s.split('.').map(Number)));
  if (!isIPv6(s) || s.includes('%')) return null;
  const bytes = parseV6(s);
  if (!bytes) return null;
  // ::ffff:a.b.c.d is a.b.c.d: the kernel connects to the IPv4 address, so it is checked and used as one.
  if (isZero(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4(bytes.slice(12));
  return { family: 6, bytes, text: v6Text(bytes) };
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (/32, /128). Host bits are masked off. */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ip, bits: max };
  const lenText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return null;
  // A mapped prefix (::ffff:10.0.0.0/104) was unmapped above: its length drops by 96.
  const bits = Number(lenText) - (ip.family === 4 && !isIPv4(s.slice(0, slash)) ? 96 : 0);
  if (bits < 0 || bits > max) return null;
  const masked = ip.bytes.slice();
  for (let i = 0; i < masked.length; i++) masked[i] &= maskByte(bits, i);
  const base = ip.family === 4 ? v4(masked) : { family: 6 as const, bytes: masked, text: v6Text(masked) };
  return { ip: base, bits };
}

export function inCidr(ip: Ip, c: Cidr): boolean {
  if (ip.family !== c.ip.family) return false;
  for (let i = 0; i < ip.bytes.length; i++) if ((ip.bytes[i] & maskByte(c.bits, i)) !== c.ip.bytes[i]) return false;
  return true;
}

export function cidrText(c: Cidr): string {
  return c.bits === (c.ip.family === 4 ? 32 : 128) ? c.ip.text : `${c.ip.text}/${c.bits}`;
}

/** Why an address is refused unless a rule names it; undefined for an ordinary public address. */
export type ProtectedClass = 'loopback' | 'unspecified' | 'link-local' | 'metadata' | 'private' | 'multicast' | 'reserved' | 'self';

// Order matters: the first class that covers an address names it (metadata before link-local/private).
const V4_CLASSES: Array<[string, ProtectedClass]> = [
  // Cloud instance metadata: AWS/GCP/Azure/OCI/DigitalOcean/OpenStack, ECS task and EKS pod identity, Tencent, Alibaba, Oracle (legacy).
  ['169.254.169.254', 'metadata'], ['169.254.170.2', 'metadata'], ['169.254.170.23', 'metadata'], ['169.254.0.23', 'metadata'],
  ['100.100.100.200', 'metadata'], ['192.0.0.192', 'metadata'],
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['10.0.0.0/8', 'private'], ['172.16.0.0/12', 'private'], ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'], // shared address space (carrier-grade NAT, many clusters' pod networks)
  ['198.18.0.0/15', 'private'], // benchmarking
  ['192.0.0.0/24', 'reserved'], ['192.0.2.0/24', 'reserved'], ['198.51.100.0/24', 'reserved'], ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255
];
const V6_CLASSES: Array<[string, ProtectedClass]> = [
  ['fd00:ec2::254', 'metadata'], ['fd00:ec2::23', 'metadata'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fc00::/7', 'private'], ['fec0::/10', 'private'], ['64:ff9b:1::/48', 'private'],
  ['ff00::/8', 'multicast'],
  ['::/96', 'reserved'], // IPv4-compatible (deprecated)
  ['::ffff:0:0:0/96', 'reserved'], // IPv4-translated (SIIT)
  ['100::/64', 'reserved'], ['2001:db8::/32', 'reserved'],
  ['2001::/32', 'reserved'], // Teredo: the IPv4 peer is hidden in the address
];
const CLASSES = [...V4_CLASSES, ...V6_CLASSES].map(([c, cls]) => ({ cidr: parseCidr(c)!, cls }));
const NAT64 = parseCidr('64:ff9b::/96')!;
const SIX_TO_FOUR = parseCidr('2002::/16')!;

export function protectedClass(ip: Ip): ProtectedClass | undefined {
  for (const { cidr, cls } of CLASSES) if (inCidr(ip, cidr)) return cls;
  // Translation prefixes carry an IPv4 address: 64:ff9b::7f00:1 reaches 127.0.0.1 through a NAT64.
  if (inCidr(ip, NAT64)) return protectedClass(v4(ip.bytes.slice(12)));
  if (inCidr(ip, SIX_TO_FOUR)) return protectedClass(v4(ip.bytes.slice(2, 6)));
  return undefined;
}

// Names that mean this host or the metadata service whatever a resolver says (RFC 6761 §6.3 for *.localhost).
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'localhost6', 'localhost6.localdomain6', 'ip6-localhost', 'ip6-loopback']);
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'metadata.tencentyun.com']);

export function protectedName(name: string): ProtectedClass | undefined {
  if (LOOPBACK_NAMES.has(name) || name.endsWith('.localhost')) return 'loopback';
  if (METADATA_NAMES.has(name)) return 'metadata';
  return undefined;
}

function v4(bytes: Uint8Array): Ip {
  return { family: 4, bytes, text: Array.from(bytes).join('.') };
}

function maskByte(bits: number, i: number): number {
  const left = bits - i * 8;
  return left >= 8 ? 0xff : left <= 0 ? 0 : (0xff << (8 - left)) & 0xff;
}

function isZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

// Input already passed net.isIPv6, so only the shape needs expanding: `::` and a trailing dotted quad.
function parseV6(s: string): Uint8Array | null {
  let text = s.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const q = text.slice(lastColon + 1).split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((q[0] << 8) | q[1]).toString(16)}:${((q[2] << 8) | q[3]).toString(16)}`;
  }
  const halves = text.split('::');
  const part = (h: string | undefined) => (h ? h.split(':').map((g) => parseInt(g, 16)) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const groups = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

// RFC 5952: lower case, no leading zeros, the longest run (>= 2) of zero groups as `::`.
function v6Text(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
