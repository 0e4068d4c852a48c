#!/usr/bin/env node
// `npm test` starts real services: Debian's redis-server (shared stores), PostgreSQL (the audit store) and Chromium
// (the reviewer console's browser tests). The tests that need them fail, never skip, when they are missing. On a
// fresh Debian machine run as root (a container, a CI runner) this installs what is missing with apt-get, so
// `npm install && npm test` holds there as the README says; elsewhere it names the command to run and goes on.
// SLUICE_TEST_NO_APT=1 never installs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const pgBin = () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

const missing = [];
if (!has('redis-server')) missing.push('redis-server');
if (!pgBin() && !has('initdb')) missing.push('postgresql');
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (process.env.SLUICE_TEST_NO_APT === '1' || !root || !has('apt-get')) {
  console.error(`test prerequisites: ${missing.join(', ')} not installed; the tests that need them will FAIL. Install with: ${root ? '' : 'sudo '}${command}`);
  process.exit(0);
}
console.error(`test prerequisites: installing ${missing.join(', ')} (Debian packages the suite starts for real; SLUICE_TEST_NO_APT=1 skips this)`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env }) : update;
if (install.status !== 0) console.error(`test prerequisites: apt-get failed (exit ${install.status}); the tests that need ${missing.join(', ')} will FAIL`);
