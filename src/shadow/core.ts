// What the plain-HTTP and CONNECT handlers share: built once by startEgressProxy.
import type { LookupFunction, Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { Logger } from '../observe/logger.js';
import type { Classification, Classifier } from './classify.js';
import type { ShadowLedger } from './ledger.js';
import type { PolicyVerdict } from './policy.js';
import type { Caller } from './proxy-auth.js';
import type { GatewayAdvice } from './refuse.js';

export interface ProxyLimits {
  maxInspectBytes: number;
  connectTimeoutMs: number;
  upstreamTimeoutMs: number;
  tunnelIdleMs: number;
}

export interface ProxyCore {
  classifier: Classifier;
  decide(host: string, c: Classification): PolicyVerdict;
  identify(headers: Record<string, string | string[] | undefined>, remote: string): Promise<Caller>;
  ledger: ShadowLedger;
  advice: GatewayAdvice;
  /** undici dispatcher for allow/log forwarding and for `route` to the gateway. */
  dispatcher: Dispatcher;
  logger: Logger;
  /** Resolver for the connections the proxy makes once a call is allowed (decisions never resolve). */
  lookup?: LookupFunction;
  limits: ProxyLimits;
  /** Registers a socket so close() can end it. */
  track(socket: Socket): void;
}
