// A start that fails halfway leaves nothing listening behind, and says why.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startStack } from '../helpers/stack.js';

describe('startup failures', () => {
  it('releases the gateway port when the egress listener cannot start', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    // The gateway's own port: pick one, so the test can check it was released.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const gatewayPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    await expect(startStack({ config: { server: { port: gatewayPort }, egress: { enabled: true, host: '127.0.0.1', port: taken } } })).rejects.toThrow(/EADDRINUSE|listen/);
    // Nothing is left on the gateway port: it can be bound again.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(gatewayPort, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => again.close(r));
    await new Promise((r) => blocker.close(r));
  });
});
