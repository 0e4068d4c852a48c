// Static service keys for systems that cannot do OIDC: config holds only SHA-256 hashes.
import { timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { ServiceKeyConfig } from './config.js';

interface CompiledKey {
  config: ServiceKeyConfig;
  digest: Buffer;
  allowFrom?: BlockList;
}

export interface ServiceKeyTable {
  /** The matching key for a token digest used from `remote`, or undefined. */
  find(digest: Buffer, digestHex: string, remote: string): ServiceKeyConfig | undefined;
}

export function createServiceKeyTable(keys: readonly ServiceKeyConfig[]): ServiceKeyTable {
  const byHash = new Map<string, CompiledKey>();
  for (const k of keys) {
    byHash.set(k.sha256, { config: k, digest: Buffer.from(k.sha256, 'hex'), allowFrom: compileAllowFrom(k.allowFrom) });
  }
  return {
    find: function findServiceKey(digest, digestHex, remote) {
      const hit = byHash.get(digestHex);
      // The map lookup narrows to one candidate; the constant-time compare is what decides.
      if (hit === undefined || !timingSafeEqual(hit.digest, digest)) return undefined;
      if (hit.allowFrom && !allowed(hit.allowFrom, remote)) return undefined;
      return hit.config;
    },
  };
}

function allowed(list: BlockList, remote: string): boolean {
  const addr = remote.startsWith('::ffff:') && isIP(remote.slice(7)) === 4 ? remote.slice(7) : remote;
  const family = isIP(addr);
  if (family === 0) return false;
  return list.check(addr, family === 6 ? 'ipv6' : 'ipv4');
}

function compileAllowFrom(list: readonly string[]): BlockList | undefined {
  if (list.length === 0) return undefined;
  const bl = new BlockList();
  for (const entry of list) {
    const [addr, bits] = entry.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) bl.addAddress(addr, type);
    else bl.addSubnet(addr, Number(bits), type);
  }
  return bl;
}
