// The relay between upstream and client: backpressure, filters that fail, and what the client sees.
import { describe, expect, it, vi } from 'vitest';
import { createRelaySink } from '../../src/upstream/relay.js';
import type { BodyFilter } from '../../src/ports.js';
import type { ClientExchange } from '../../src/http/exchange.js';
import { SluiceError } from '../../src/errors.js';

function fakeClient(opts: { slow?: boolean } = {}) {
  const calls: string[] = [];
  let drain: (() => void) | undefined;
  let abortCb: (() => void) | undefined;
  let started = false;
  const x = {
    method: 'POST', path: '/v1/x', query: '', headers: {}, remoteAddress: '127.0.0.1', headerBytes: 0, aborted: false,
    get started() { return started; },
    readBody: async () => new Uint8Array(0),
    respond: (status: number) => { started = true; calls.push(`respond ${status}`); },
    start: (status: number) => { started = true; calls.push(`start ${status}`); },
    write: (c: Uint8Array | string) => { calls.push(`write ${typeof c === 'string' ? c : Buffer.from(c).toString()}`); return !opts.slow; },
    onDrain: (cb: () => void) => { drain = cb; },
    end: () => calls.push('end'),
    destroy: () => calls.push('destroy'),
    onAbort: (cb: () => void) => { abortCb = cb; },
  } as unknown as ClientExchange;
  return { x, calls, drain: () => drain?.(), abort: () => { (x as { aborted: boolean }).aborted = true; abortCb?.(); } };
}

const hooks = (over: Partial<Parameters<typeof createRelaySink>[1]> = {}) => ({
  filterFor: () => null,
  extraHeaders: () => [] as Array<[string, string]>,
  onDone: vi.fn(() => undefined),
  respondError: vi.fn(),
  ...over,
});
const flow = () => ({ pause: vi.fn(), resume: vi.fn(), abort: vi.fn() });

describe('relay', () => {
  it('pauses upstream while the client is slow and resumes on drain', () => {
    const c = fakeClient({ slow: true });
    const f = flow();
    const sink = createRelaySink(c.x, hooks());
    sink.onStart(200, { 'content-type': 'text/event-stream' }, f);
    sink.onData(Buffer.from('data: 1\n\n'));
    expect(f.pause).toHaveBeenCalledTimes(1);
    c.drain();
    expect(f.resume).toHaveBeenCalledTimes(1);
  });

  it('answers with a provider error (never the unfiltered body) when a buffering filter fails', () => {
    const c = fakeClient();
    const h = hooks({
      filterFor: (): BodyFilter => ({ mode: 'buffer', push: () => [], end: () => { throw new Error('boom'); } }),
    });
    const sink = createRelaySink(c.x, h);
    sink.onStart(200, { 'content-type': 'application/json' }, flow());
    sink.onData(Buffer.from('{"secret":"4111 1111 1111 1111"}'));
    sink.onEnd();
    expect(c.calls.some((l) => l.includes('4111'))).toBe(false);
    expect(h.respondError).toHaveBeenCalledWith(expect.objectContaining({ code: 'SLUICE_INSPECTION_FAILED' }));
    expect(h.onDone).toHaveBeenCalledTimes(1);
  });

  it('cuts a started stream when upstream fails and the filter has no in-band error', () => {
    const c = fakeClient();
    const h = hooks();
    const sink = createRelaySink(c.x, h);
    sink.onStart(200, { 'content-type': 'text/event-stream' }, flow());
    sink.onData(Buffer.from('data: 1\n\n'));
    sink.onError(new SluiceError('SLUICE_UPSTREAM_RESET', 'reset'), true);
    expect(c.calls.at(-1)).toBe('destroy');
    expect(h.onDone).toHaveBeenCalledWith(expect.objectContaining({ err: expect.objectContaining({ code: 'SLUICE_UPSTREAM_RESET' }) }));
  });

  it('aborts upstream and records the abort once when the client goes away', () => {
    const c = fakeClient();
    const f = flow();
    const h = hooks();
    const sink = createRelaySink(c.x, h);
    sink.onStart(200, { 'content-type': 'text/event-stream' }, f);
    c.abort();
    sink.onEnd();
    expect(f.abort).toHaveBeenCalled();
    expect(h.onDone).toHaveBeenCalledTimes(1);
    expect(h.onDone).toHaveBeenCalledWith(expect.objectContaining({ aborted: true }));
  });

  it('holds the end of the response until a durable audit promise settles', async () => {
    const c = fakeClient();
    let release!: () => void;
    const h = hooks({ onDone: vi.fn(() => new Promise<void>((r) => (release = r))) });
    const sink = createRelaySink(c.x, h);
    sink.onStart(200, { 'content-type': 'text/event-stream' }, flow());
    sink.onEnd();
    expect(c.calls).not.toContain('end');
    release();
    await new Promise((r) => setImmediate(r));
    expect(c.calls).toContain('end');
  });
});
