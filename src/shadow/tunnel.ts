// HTTPS through the egress proxy: CONNECT host:port. Sluice does not intercept TLS, so the decision is made
// on the target host alone, before any DNS lookup or connection; allowed tunnels then copy bytes both ways.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SluiceError, toSluiceError } from '../errors.js';
import { classifyUpstreamError } from '../upstream/forward.js';
import type { ProxyCore } from './core.js';
import type { ShadowCall } from './ledger.js';
import { noteOnce } from './ledger.js';
import { splitAuthority } from './hosts.js';
import { blockError, errorKind, rawResponse } from './refuse.js';

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
    const target = splitAuthority(req.url ?? '', 443);
    if (!target) return answer(socket, new SluiceError('SLUICE_BAD_REQUEST', 'CONNECT needs a host:port target'), 'openai');
    let caller;
    try {
      caller = await core.identify(req.headers, remote);
    } catch (err) {
      return answer(socket, toSluiceError(err), 'openai');
    }
    const c = core.classifier.classify({ host: target.host });
    if (!c.matched) return open(socket, target, head);

    const verdict = core.decide(target.host, c);
    const call: ShadowCall = { mode: 'connect', source: remote, identity: caller.identity, host: target.host, port: target.port, method: 'CONNECT', classification: c, verdict, action: verdict.action };
    if (verdict.action === 'block' || verdict.action === 'route') {
      const err = blockError(target.host, verdict.action === 'route' ? 'https-route' : 'policy', core.advice);
      call.action = 'block';
      call.status = err.status;
      core.ledger.note(call);
      return answer(socket, err, errorKind(c.provider, undefined));
    }
    open(socket, target, head, call);
  }

  function open(client: Socket, target: { host: string; port: number }, head: Buffer, call?: ShadowCall): void {
    const upstream = connect({ host: target.host, port: target.port, ...(core.lookup ? { lookup: core.lookup } : {}) });
    core.track(upstream);
    const note = noteOnce(core.ledger, call);
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
