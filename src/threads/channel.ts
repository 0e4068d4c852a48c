// Calls between an HTTP thread and the main thread (the owner of shared state) over one MessagePort.
// Messages sent in the same turn of the event loop travel as one batch (one postMessage per turn, not per call):
// under load each thread sends a few hundred small messages per millisecond and postMessage is the cost.
import { SluiceError, type ErrorCode } from '../errors.js';

/** The two ends of a worker link: `Worker` on the main thread, `parentPort` in the worker. */
export interface Port {
  postMessage(value: unknown): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
}

type Message =
  | { t: 'call'; id: number; m: string; a: unknown }
  | { t: 'ok'; id: number; v: unknown }
  | { t: 'err'; id: number; e: WireError }
  | { t: 'note'; m: string; a: unknown };

interface WireError {
  code?: ErrorCode;
  message: string;
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
}

export type Handler = (arg: any) => unknown;

export interface Channel {
  /** Ask the other side; rejects with the SluiceError it threw (other errors arrive as SLUICE_INTERNAL). */
  call<T>(method: string, arg?: unknown): Promise<T>;
  /** Tell the other side; no answer. */
  notify(method: string, arg?: unknown): void;
  /** Serve `method` for the other side (calls and notes alike). */
  on(method: string, handler: Handler): void;
  /** Calls still waiting for an answer. */
  readonly pending: number;
  /** Fail every waiting call (the other side is gone). */
  failAll(err: SluiceError): void;
}

export function createChannel(port: Port): Channel {
  const handlers = new Map<string, Handler>();
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let nextId = 1;
  let outbox: Message[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = outbox;
    outbox = [];
    port.postMessage(batch);
  };
  const send = (msg: Message) => {
    outbox.push(msg);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  function serve(msg: Extract<Message, { t: 'call' | 'note' }>): void {
    const h = handlers.get(msg.m);
    if (!h) {
      if (msg.t === 'call') send({ t: 'err', id: msg.id, e: { message: `no handler for ${msg.m}` } });
      return;
    }
    let out: unknown;
    try {
      out = h(msg.a);
    } catch (err) {
      if (msg.t === 'call') send({ t: 'err', id: msg.id, e: toWire(err) });
      return;
    }
    if (msg.t === 'note') {
      if (out instanceof Promise) out.catch(() => undefined);
      return;
    }
    const id = msg.id;
    if (out instanceof Promise) {
      out.then(
        (v) => send({ t: 'ok', id, v }),
        (err) => send({ t: 'err', id, e: toWire(err) }),
      );
    } else send({ t: 'ok', id, v: out });
  }

  port.on('message', (batch) => {
    if (!Array.isArray(batch)) return;
    for (const msg of batch as Message[]) {
      if (msg.t === 'call' || msg.t === 'note') serve(msg);
      else {
        const w = waiting.get(msg.id);
        if (!w) continue;
        waiting.delete(msg.id);
        if (msg.t === 'ok') w.resolve(msg.v);
        else w.reject(fromWire(msg.e));
      }
    }
  });

  return {
    call<T>(method: string, arg?: unknown): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        send({ t: 'call', id, m: method, a: arg });
      });
    },
    notify(method, arg) {
      send({ t: 'note', m: method, a: arg });
    },
    on(method, handler) {
      handlers.set(method, handler);
    },
    get pending() {
      return waiting.size;
    },
    failAll(err) {
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    },
  };
}

/** Only what the client may see crosses the wire: a SluiceError's code, message, headers and details. */
function toWire(err: unknown): WireError {
  if (err instanceof SluiceError) return { code: err.code, message: err.message, headers: err.headers, details: err.details };
  return { message: 'Internal gateway error' };
}

function fromWire(e: WireError): SluiceError {
  if (!e.code) return new SluiceError('SLUICE_INTERNAL', 'Internal gateway error', { cause: new Error(e.message) });
  return new SluiceError(e.code, e.message, { headers: e.headers, details: e.details });
}
