// HTTPS through the egress proxy: CONNECT host:port. Sluice does not intercept TLS, so the decision is made
// on the destination alone: host rules, the catalogue, the default, then (for names, resolved once) the
// address. An allowed tunnel connects to the checked address and copies bytes both ways.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SluiceError, toSluiceError } from '../errors.js';
import { classifyUpstreamError } from '../upstream/forward.js';
import type { Ip } from './address.js';
import type { ProxyCore } from './core.js';
import { noteOnce, type EgressCall } from './ledger.js';
import { NOT_CLASSIFIED, blockError, errorKind, rawResponse, refusalError, unreachable } from './refuse.js';
import { authorityText, parseConnectTarget } from './target.js';

export function createConnectHandler(core: ProxyCore): (req: IncomingMessage, client: Duplex, head: Buffer) => void {
  return function handleConnect(req, client, head) {
    const socket = client as Socket;
    socket.on('error', () => socket.destroy());
    tunnel(req, socket, head).catch((err) => {
      core.logger.error({ err: (err as Error).message }, 'shadow: CONNECT failed');
      answer(socket, toSluiceError(err), 'openai');
    });
  };

  async function tunnel(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const remote = socket.remoteAddress ?? '';
    const raw = req.url ?? '';
    const dest = parseConnectTarget(raw);
    const early = (host: string, port: number, rule: string, err: SluiceError, identity?: EgressCall['identity']) => {
      const call: EgressCall = { mode: 'connect', source: remote, identity, host, port, method: 'CONNECT', classification: NOT_CLASSIFIED, verdict: { action: 'block', rule }, action: 'block' };
      noteOnce(core.ledger, call)(err.status === 401 ? 407 : err.status, err.code);
      answer(socket, err, 'openai');
    };
    if (!dest) return early('(malformed)', 0, 'malformed', new SluiceError('SLUICE_BAD_REQUEST', 'CONNECT needs a host:port target'));
    let caller;
    try {
      caller = await core.identify(req.headers, remote);
    } catch (err) {
      return early(dest.host, dest.port, 'auth', toSluiceError(err));
    }
    const c = core.classifier.classify({ host: dest.host });
    const v = await core.decide(dest, c);
    const call: EgressCall = { mode: 'connect', source: remote, identity: caller.identity, host: dest.host, port: dest.port, address: v.address?.text, method: 'CONNECT', classification: c, verdict: v, action: v.action };
    const note = noteOnce(core.ledger, call);
    if (v.refusal === 'unresolvable') {
      const err = unreachable(authorityText(dest.host, dest.port));
      note(err.status, err.code);
      return answer(socket, err, errorKind(c.provider, undefined));
    }
    if (v.action === 'block' || v.action === 'route') {
      // Encrypted traffic cannot be re-sent to the gateway, so `route` is refused here.
      const err = v.action === 'route' ? blockError(dest.host, 'https-route', core.advice) : refusalError(dest.host, dest.port, c, v, core.advice);
      call.action = 'block';
      note(err.status);
      return answer(socket, err, errorKind(c.provider, undefined));
    }
    open(socket, v.address!, dest.port, head, note);
  }

  function open(client: Socket, address: Ip, port: number, head: Buffer, note: (status: number | undefined, error?: string) => void): void {
    // The checked address, never the name: a second lookup could answer differently (DNS rebinding).
    const upstream = connect({ host: address.text, port, family: address.family });
    core.track(upstream);
    let connected = false;
    const timer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), core.limits.connectTimeoutMs);
    upstream.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      note(200);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      if (core.limits.tunnelIdleMs > 0) {
        const idle = () => {
          upstream.destroy();
          client.destroy();
        };
        client.setTimeout(core.limits.tunnelIdleMs, idle);
        upstream.setTimeout(core.limits.tunnelIdleMs, idle);
      }
    });
    upstream.on('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      if (connected) return void client.destroy();
      const e = classifyUpstreamError(err);
      note(e.status, e.code);
      answer(client, e, 'openai');
    });
    // Before the tunnel is up the client is owed an HTTP answer (sent on error); after, either side closing ends both.
    upstream.on('close', () => {
      clearTimeout(timer);
      if (connected) client.destroy();
      else note(undefined, 'client_aborted');
    });
    client.on('close', () => upstream.destroy());
  }
}

function answer(socket: Socket, err: SluiceError, kind: 'openai' | 'anthropic'): void {
  if (socket.destroyed) return;
  socket.end(rawResponse(err, kind));
}
