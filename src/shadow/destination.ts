// The egress proxy's decision about one destination. Names are resolved once, here; every answer is checked
// and the proxy then connects to the checked address itself, so a second (rebound) answer is never used.
// Loopback, link-local, metadata, private and reserved addresses and Sluice's own listeners are refused
// unless a rule names them (see docs/shadow-ai.md, "Threat model").
import dns from 'node:dns';
import { parseIp, protectedClass, protectedName, type Ip, type ProtectedClass } from './address.js';
import type { Classification } from './classify.js';
import { ruleVerdict, STRICTNESS, type CompiledPolicy, type PolicyVerdict, type ShadowAction } from './policy.js';
import type { HostRule } from './rules.js';
import type { Destination } from './target.js';

/** Name → addresses, in the order to try (the proxy uses the first). Tests inject one; never called for IP literals. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = function resolveWithSystem(host) {
  return new Promise((resolve, reject) => {
    dns.lookup(host, { all: true, verbatim: true }, (err, answers) => (err ? reject(err) : resolve(answers.map((a) => a.address))));
  });
};

export interface DestinationVerdict extends PolicyVerdict {
  /** What the policy said, when a protected-address refusal overrode it. */
  policyAction?: ShadowAction;
  /** The checked address to connect to (allow/log), or the refused one. */
  address?: Ip;
  /** Why the call is refused: a block rule/default, a protected address, or a name that did not resolve. */
  refusal?: 'policy' | 'protected' | 'unresolvable';
  protectedClass?: ProtectedClass;
}

export interface DestinationDeps {
  policy: CompiledPolicy;
  resolve: Resolver;
  resolveTimeoutMs: number;
  /** True for an address:port where Sluice itself listens (gateway, egress proxy, admin). */
  isSelf(ip: Ip, port: number): boolean;
}

export function createDestinationPolicy(deps: DestinationDeps): (dest: Destination, c: Classification) => Promise<DestinationVerdict> {
  const { policy } = deps;
  return async function decideDestination(dest, c) {
    const nameRule = dest.ip ? policy.hosts.byAddress(dest.ip, dest.port) : policy.hosts.byName(dest.host, dest.port);
    const fallback = policy.fallback(c);
    const nameClass = dest.ip ? undefined : protectedName(dest.host);
    // A name refused (or routed) by its name rule or the default is decided without DNS: the proxy never
    // looks up a name it will not connect to, so `CONNECT <data>.attacker.example` leaks nothing through
    // its resolver. Address rules then decide IP literals, and for names only refuse or unlock an address.
    const byName = nameRule ? ruleVerdict(nameRule) : fallback;
    if (byName.action === 'block' || byName.action === 'route') return settle(byName);
    if (nameClass && !explicit(nameRule, nameClass, nameClass) && !policy.hosts.addressCanPermit) {
      return { action: 'block', rule: `protected:${nameClass}`, policyAction: byName.action, refusal: 'protected', protectedClass: nameClass };
    }

    let addresses: Ip[];
    if (dest.ip) addresses = [dest.ip];
    else {
      const answers = await resolveOnce(dest.host);
      if (!answers) return { ...byName, refusal: 'unresolvable' };
      addresses = answers;
    }
    // Every answer must pass: a name that can point at a refused address is treated as pointing there.
    let first: DestinationVerdict | undefined;
    for (const ip of addresses) {
      const addrRule = dest.ip ? nameRule : policy.hosts.byAddress(ip, dest.port);
      const v = combine(nameRule, addrRule, fallback);
      if (v.action === 'block') return { ...v, address: ip, refusal: 'policy' };
      // `route` re-sends the call to the gateway: the destination itself is never contacted.
      const cls = v.action === 'route' ? undefined : deps.isSelf(ip, dest.port) ? 'self' : (protectedClass(ip) ?? nameClass);
      if (cls && !explicit(nameRule, cls, nameClass) && !explicit(addrRule, cls, nameClass)) {
        return { action: 'block', rule: `protected:${cls}`, policyAction: v.action, address: ip, refusal: 'protected', protectedClass: cls };
      }
      first ??= { ...v, address: ip };
    }
    return first!;
  };

  async function resolveOnce(host: string): Promise<Ip[] | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answers = await Promise.race([
        deps.resolve(host),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('resolve timeout')), deps.resolveTimeoutMs))),
      ]);
      const ips = answers.map(parseIp);
      return ips.length && ips.every((ip) => ip !== null) ? (ips as Ip[]) : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

function settle(v: PolicyVerdict): DestinationVerdict {
  return v.action === 'block' ? { ...v, refusal: 'policy' } : v;
}

// A rule that names both the name and the address: the stricter of the two wins.
function combine(nameRule: HostRule | undefined, addrRule: HostRule | undefined, fallback: PolicyVerdict): PolicyVerdict {
  if (nameRule && addrRule && addrRule !== nameRule) return ruleVerdict(STRICTNESS[addrRule.action] > STRICTNESS[nameRule.action] ? addrRule : nameRule);
  const r = nameRule ?? addrRule;
  return r ? ruleVerdict(r) : fallback;
}

/**
 * Does `rule` name a destination of class `cls` explicitly enough to reach it? Globs never do. Sluice's own
 * listeners need the port in the rule; metadata needs its exact address or its metadata name.
 */
function explicit(rule: HostRule | undefined, cls: ProtectedClass, nameClass: ProtectedClass | undefined): boolean {
  if (!rule || rule.kind === 'glob' || rule.action === 'block') return false;
  if (cls === 'self') return rule.port !== undefined;
  if (cls === 'metadata') return rule.kind === 'name' ? nameClass === 'metadata' : rule.cidr!.bits === (rule.cidr!.ip.family === 4 ? 32 : 128);
  return true;
}
