// Engine choice: which front end runs for each setting, and why; never the uWS JS fallback.
import { describe, expect, it } from 'vitest';
import { chooseEngine, engineSupportsThreads } from '../../src/http/engine.js';
import { UWS_BUILDS, type UwsBuild } from '../../src/http/uws.js';

const missing: UwsBuild = { pkg: 'sluice-no-such-uws-build', binaries: (m) => m, root: (m) => m };
// An installed package whose "binary" folder has no uws_*.node: the "no binary for this Node ABI" case.
const noBinary: UwsBuild = { pkg: 'yaml', binaries: () => '/nonexistent', root: () => '/nonexistent' };

describe('chooseEngine', () => {
  it('node: runs node:http without loading uWS', () => {
    const c = chooseEngine('node', { env: {}, builds: [missing] });
    expect(c).toMatchObject({ name: 'node', reason: 'server.engine: node' });
    expect(c.build).toBe(`node:http (Node ${process.versions.node})`);
    expect(c.uws).toBeUndefined();
  });

  it('auto: falls back to node:http and says what did not load', () => {
    const c = chooseEngine('auto', { env: {}, builds: [missing, noBinary] });
    expect(c.name).toBe('node');
    expect(c.reason).toContain('no native uWebSockets.js build loads');
    expect(c.reason).toContain('sluice-no-such-uws-build: not installed');
    expect(c.reason).toContain(`no binary for ${process.platform}-${process.arch} and Node ABI ${process.versions.modules}`);
  });

  it('uws: refuses to start when no native build loads (never the JS fallback)', () => {
    expect(() => chooseEngine('uws', { env: {}, builds: [missing, noBinary] })).toThrow(/server.engine: uws, but no native uWebSockets.js build loads/);
  });

  it('$SLUICE_ENGINE overrides the file and is named as the reason', () => {
    expect(chooseEngine('uws', { env: { SLUICE_ENGINE: 'node' }, builds: [missing] })).toMatchObject({ name: 'node', reason: '$SLUICE_ENGINE=node' });
    expect(() => chooseEngine('auto', { env: { SLUICE_ENGINE: 'fast' } })).toThrow('SLUICE_ENGINE must be one of auto, uws, node');
  });

  it('auto on this host: uWS where a shipped binary matches the Node ABI, node:http otherwise', () => {
    const c = chooseEngine('auto', { env: {} });
    // The trufflesuite build carries ABI 93/108/115 (Node 16/18/20) binaries for glibc 2.17+.
    const trufflesuiteFits = process.platform === 'linux' && process.arch === 'x64' && ['93', '108', '115'].includes(process.versions.modules);
    if (trufflesuiteFits) expect(c).toMatchObject({ name: 'uws', build: expect.stringContaining('@trufflesuite/uws-js-unofficial') });
    else expect(['uws', 'node']).toContain(c.name);
    if (c.name === 'uws') expect(typeof c.uws!.uws.App).toBe('function');
    else expect(c.reason).toContain('no native uWebSockets.js build loads');
  });

  it('knows the builds it can load, best first', () => {
    expect(UWS_BUILDS.map((b) => b.pkg)).toEqual(['uWebSockets.js', '@btc-vision/uwebsockets.js']);
  });
});

describe('engineSupportsThreads', () => {
  it.each([
    ['uws', '20.18.0', 'linux', true],
    ['node', '20.18.0', 'linux', false],
    ['node', '22.11.0', 'linux', false],
    ['node', '22.12.0', 'linux', true],
    ['node', '23.0.0', 'linux', false],
    ['node', '23.1.0', 'linux', true],
    ['node', '24.11.1', 'linux', true],
    ['node', '24.11.1', 'darwin', false],
  ] as const)('%s on Node %s (%s) → %s', (engine, version, platform, expected) => {
    expect(engineSupportsThreads(engine, version, platform)).toBe(expected);
  });
});
