// Sluice's own listeners as egress destinations. A proxied call to the gateway's port (its /metrics, its
// admin routes) or to the egress port itself (a proxy loop) is refused unless a rule names that port.
import { networkInterfaces } from 'node:os';
import { parseIp, protectedClass, type Ip } from './address.js';

export interface Listener {
  /** The address it is bound to; `0.0.0.0` / `::` mean every local address. */
  host: string;
  port: number;
}

const INTERFACES_TTL_MS = 10_000;

/** `isSelf(ip, port)`: is ip:port one of `listeners()` (which may grow after start, e.g. the proxy's own port)? */
export function createSelfCheck(listeners: () => readonly Listener[], localAddresses: () => string[] = interfaceAddresses): (ip: Ip, port: number) => boolean {
  let local: Set<string> | undefined;
  let at = 0;
  const isLocal = (ip: Ip) => {
    const cls = protectedClass(ip);
    if (cls === 'loopback' || cls === 'unspecified') return true;
    // Interfaces change rarely; reading them is a syscall, so the set is kept for a few seconds.
    if (!local || Date.now() - at > INTERFACES_TTL_MS) {
      local = new Set(localAddresses().map((a) => parseIp(a)?.text).filter((a): a is string => a !== undefined));
      at = Date.now();
    }
    return local.has(ip.text);
  };
  return function isSelf(ip, port) {
    for (const l of listeners()) {
      if (l.port !== port) continue;
      const bound = parseIp(l.host);
      if (bound && bound.text === ip.text) return true;
      if (isLocal(ip)) return true;
    }
    return false;
  };
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.split('%')[0]));
}
