// Peer gateways for --peers, installed on demand into bench/.peers (gitignored), never into Sluice's own
// dependencies. Portkey's streaming needs @hono/node-server 1.13.5, pinned through `overrides`.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startChild, freePort } from './procs.js';
import { REPO } from './sluice-config.js';

const PEERS = join(REPO, 'bench/.peers');
const PORTKEY_ENTRY = join(PEERS, 'node_modules/@portkey-ai/gateway/build/start-server.js');
const MANIFEST = {
  name: 'sluice-bench-peers',
  private: true,
  description: 'Peer gateways installed on demand by `npm run bench -- --peers`; never a dependency of Sluice.',
  dependencies: { '@portkey-ai/gateway': '*' },
  overrides: { '@hono/node-server': '1.13.5' },
};

async function ensureInstalled(log) {
  if (existsSync(PORTKEY_ENTRY)) return true;
  mkdirSync(PEERS, { recursive: true });
  writeFileSync(join(PEERS, 'package.json'), `${JSON.stringify(MANIFEST, null, 2)}\n`);
  log('installing @portkey-ai/gateway into bench/.peers (once)…');
  try {
    await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: PEERS, timeout: 300_000 });
  } catch (err) {
    log(`portkey: install failed, skipping (${String(err.message).split('\n')[0]})`);
    return false;
  }
  return existsSync(PORTKEY_ENTRY);
}

/** A child handle for Portkey, or undefined (with the reason logged) when it cannot be had. */
export async function startPortkey(log) {
  if (!(await ensureInstalled(log))) return undefined;
  try {
    return await startChild('portkey', process.execPath, [join(REPO, 'bench/lib/portkey-child.js'), PORTKEY_ENTRY, String(await freePort())], {
      ready: /SLUICE_BENCH_READY (http:\/\/\S+)/,
      env: { ...process.env, NODE_ENV: 'production' },
    });
  } catch (err) {
    log(`portkey: could not start, skipping (${err.message.split('\n')[0]})`);
    return undefined;
  }
}
