// What the plain-HTTP and CONNECT handlers share: built once by startEgressProxy.
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { Logger } from '../observe/logger.js';
import type { Classification, Classifier } from './classify.js';
import type { Destination } from './target.js';
import type { ShadowLedger } from './ledger.js';
import type { DestinationVerdict } from './destination.js';
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
  /** Host rules, signature rules, default, protected addresses; resolves names once (see destination.ts). */
  decide(dest: Destination, c: Classification): Promise<DestinationVerdict>;
  identify(headers: Record<string, string | string[] | undefined>, remote: string): Promise<Caller>;
  ledger: ShadowLedger;
  advice: GatewayAdvice;
  /** undici dispatcher for allow/log forwarding (to checked addresses) and for `route` to the gateway. */
  dispatcher: Dispatcher;
  logger: Logger;
  limits: ProxyLimits;
  /** Registers a socket so close() can end it. */
  track(socket: Socket): void;
}
