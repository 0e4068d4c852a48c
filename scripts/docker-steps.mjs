#!/usr/bin/env node
// Runs the Dockerfile's build and runtime steps without a Docker engine (none runs on this project's machines), so
// the file is exercised, not just written. Each stage's root file system is a copy of a Debian 13 root made with
// debootstrap plus the Node.js release and npm from the npm registry: what node:<v>-trixie-slim holds. RUN steps run
// in that root with chroot (as USER when set), COPY honours .dockerignore and --from, and the runtime step starts the
// final stage's ENTRYPOINT + CMD as its USER with config and policies bind-mounted at /etc/sluice and secrets in the
// environment, waits for its HEALTHCHECK, sends a request whose card must come back masked, and stops it with SIGTERM.
// Not emulated: image layers and caching, network isolation, cgroups, the registry's node image itself.
// usage (root): node scripts/docker-steps.mjs NODE_BIN_DIR      (NODE_BIN_DIR from scripts/node-dist.sh)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const nodeBin = process.argv[2];
if (!nodeBin || !existsSync(join(nodeBin, 'node'))) throw new Error('usage: node scripts/docker-steps.mjs NODE_BIN_DIR');
if (process.getuid?.() !== 0) throw new Error('needs root (chroot, mount)');
const debianRoot = process.env.SLUICE_GLIBC_ROOT ?? '/var/tmp/sluice-trixie';
const work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'sluice-docker-'));
const mounts = [];
const log = (s) => process.stdout.write(`docker-steps: ${s}\n`);
class StepError extends Error {}
function fail(msg) {
  throw new StepError(msg);
}
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });

// ---- the Dockerfile, parsed: continuation lines joined, comments dropped -------------------------------------------
const lines = readFileSync(join(repo, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const args = {};
const stages = [];
for (const line of lines) {
  const [, op, rest] = /^(\S+)\s+(.*)$/.exec(line);
  const expand = (s) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a, b) => args[a ?? b] ?? m);
  switch (op.toUpperCase()) {
    case 'ARG': {
      const [k, v] = rest.split('=');
      if (!(k in args)) args[k] = v ?? '';
      break;
    }
    case 'FROM': {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(expand(rest));
      stages.push({ image, name, steps: [], env: {}, workdir: '/', user: 'root', meta: {} });
      break;
    }
    default:
      if (!stages.length) fail(`${op} before FROM`);
      stages.at(-1).steps.push({ op: op.toUpperCase(), rest: expand(rest) });
  }
}
log(`${stages.length} stages: ${stages.map((s) => `${s.name ?? '?'} FROM ${s.image}`).join(', ')}`);

// ---- base root: Debian 13 + the Node release + npm + the node user (uid 1000), as the node images have them --------
function debian() {
  if (!existsSync(join(debianRoot, 'bin/sh'))) {
    log(`debootstrap trixie → ${debianRoot}`);
    if (spawnSync('debootstrap', ['--version']).status !== 0) sh('apt-get', ['install', '-y', '-qq', 'debootstrap'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const sources = existsSync('/etc/apt/sources.list.d/debian.sources') ? readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf8') : '';
    const mirror = /^URIs:\s*(http\S*\/debian)\s*$/m.exec(sources)?.[1];
    sh('debootstrap', ['--variant=minbase', 'trixie', debianRoot, ...(mirror ? [mirror] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return debianRoot;
}
function base(image) {
  const m = /^node:(\d+)-trixie-slim$/.exec(image);
  if (!m) fail(`no emulation for base image ${image}`);
  const version = sh(join(nodeBin, 'node'), ['--version']).trim();
  if (!version.startsWith(`v${m[1]}.`)) fail(`${image} needs Node ${m[1]}, NODE_BIN_DIR has ${version}`);
  const dir = join(work, `base-${m[1]}`);
  if (existsSync(dir)) return dir;
  sh('cp', ['-a', debian(), dir]); // device nodes and ownership included
  cpSync(join(nodeBin, 'node'), join(dir, 'usr/local/bin/node'));
  const npmTgz = sh('npm', ['pack', '--silent', `npm@${sh('npm', ['--version']).trim()}`], { cwd: work }).trim().split('\n').at(-1);
  mkdirSync(join(dir, 'usr/local/lib/node_modules/npm'), { recursive: true });
  sh('tar', ['-xzf', join(work, npmTgz), '-C', join(dir, 'usr/local/lib/node_modules/npm'), '--strip-components=1']);
  sh('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(dir, 'usr/local/bin/npm')]);
  sh('chroot', [dir, '/usr/sbin/useradd', '--uid', '1000', '--create-home', '--shell', '/bin/bash', 'node']);
  // The host's resolver and, where set, its extra CA bundle (some networks inspect TLS), so npm reaches the registry.
  cpSync('/etc/resolv.conf', join(dir, 'etc/resolv.conf'));
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca && existsSync(ca)) {
    mkdirSync(join(dir, dirname(ca)), { recursive: true });
    cpSync(ca, join(dir, ca));
  }
  log(`base ${image}: Debian 13 ${sh('chroot', [dir, 'ldd', '--version']).split('\n')[0].replace(/.* /, 'glibc ')}, Node ${version}, npm ${sh('npm', ['--version']).trim()}`);
  return dir;
}

// ---- running in a stage root ---------------------------------------------------------------------------------------
function mountAll(root) {
  for (const [src, dst, type] of [['proc', 'proc', 'proc'], ['/dev', 'dev', null]]) {
    const at = join(root, dst);
    if (type) sh('mount', ['-t', type, src, at]);
    else sh('mount', ['--bind', src, at]);
    mounts.push(at);
  }
}
function unmountAll() {
  while (mounts.length) spawnSync('umount', [mounts.pop()]);
}
function ids(root, user) {
  if (user === 'root') return '0:0';
  const line = readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) fail(`USER ${user} does not exist in the image`);
  const [, , uid, gid] = line.split(':');
  return `${uid}:${gid}`;
}
function envList(stage, extra = {}) {
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: stage.user === 'root' ? '/root' : `/home/${stage.user}`, ...stage.env, ...extra };
  if (process.env.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
function inRoot(stage, argv, opts = {}) {
  return ['chroot', `--userspec=${ids(stage.root, stage.user)}`, stage.root, '/usr/bin/env', '-i', ...envList(stage, opts.env), '/bin/sh', '-c', `cd '${stage.workdir}' && exec "$@"`, 'sh', ...argv];
}

// .dockerignore: top-level names and simple globs.
const ignore = existsSync(join(repo, '.dockerignore'))
  ? readFileSync(join(repo, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  : [];
const ignored = (rel) => ignore.some((p) => {
  const re = new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}(/|$)`);
  return re.test(rel);
});
function copyIn(stage, from, srcs, dest) {
  const target = join(stage.root, isAbsolute(dest) ? dest : posix.join(stage.workdir, dest));
  const toDir = dest.endsWith('/') || srcs.length > 1;
  for (const src of srcs) {
    const origin = from ? join(stages.find((s) => s.name === from).root, isAbsolute(src) ? src : posix.join('/', src)) : join(repo, src);
    if (!existsSync(origin)) fail(`COPY ${src}: not found`);
    const out = toDir ? join(target, posix.basename(src)) : target;
    mkdirSync(dirname(out), { recursive: true });
    cpSync(origin, out, {
      recursive: true,
      filter: (p) => from !== undefined || !ignored(p.slice(repo.length + 1)),
    });
  }
}

// ---- build -----------------------------------------------------------------------------------------------------------
let runtime;
let child;
try {
  for (const stage of stages) {
    stage.root = join(work, `stage-${stage.name ?? stages.indexOf(stage)}`);
    sh('cp', ['-a', base(stage.image), stage.root]);
    log(`stage ${stage.name}`);
    for (const { op, rest } of stage.steps) {
      if (op === 'WORKDIR') {
        stage.workdir = posix.resolve(stage.workdir, rest);
        mkdirSync(join(stage.root, stage.workdir), { recursive: true });
      } else if (op === 'ENV') {
        const [k, ...v] = rest.split('=');
        stage.env[k] = v.join('=');
      } else if (op === 'USER') {
        stage.user = rest;
      } else if (op === 'COPY') {
        const parts = rest.split(/\s+/);
        const from = parts[0].startsWith('--from=') ? parts.shift().slice(7) : undefined;
        const dest = parts.pop();
        copyIn(stage, from, parts, dest);
        log(`  COPY ${rest}`);
      } else if (op === 'RUN') {
        log(`  RUN ${rest.length > 100 ? `${rest.slice(0, 100)}…` : rest}`);
        mountAll(stage.root);
        const r = spawnSync(inRoot(stage, ['/bin/sh', '-c', rest])[0], inRoot(stage, ['/bin/sh', '-c', rest]).slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
        unmountAll();
        if (r.status !== 0) fail(`RUN failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      } else if (['EXPOSE', 'VOLUME', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD', 'LABEL'].includes(op)) {
        stage.meta[op] = rest;
      } else fail(`unsupported instruction ${op}`);
    }
  }
  runtime = stages.at(-1);
  const json = (s) => JSON.parse(s);
  const entry = json(runtime.meta.ENTRYPOINT);
  const cmd = json(runtime.meta.CMD);
  const health = json(runtime.meta.HEALTHCHECK.replace(/^.*?CMD\s+/, ''));
  if (runtime.user === 'root') fail('the runtime stage runs as root');
  const size = sh('du', ['-sh', join(runtime.root, 'opt/sluice')]).split('\t')[0];
  log(`runtime: user ${runtime.user} (${ids(runtime.root, runtime.user)}), /opt/sluice ${size}, no compilers: ${!existsSync(join(runtime.root, 'opt/sluice/node_modules/typescript')) && !existsSync(join(runtime.root, 'opt/sluice/node_modules/assemblyscript'))}`);

  // ---- runtime: the baked production config validates with secrets from the environment --------------------------
  mountAll(runtime.root);
  const prodEnv = {
    SLUICE_OIDC_ISSUER: 'https://login.example.com/realms/data', OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-ant-test',
    SLUICE_INSPECTION_SECRET: 'x'.repeat(32), REDIS_URL: 'redis://127.0.0.1:6379/0',
  };
  const checked = spawnSync(inRoot(runtime, [...entry, 'check-config', '--config', '/etc/sluice/sluice.yaml'], { env: prodEnv })[0], inRoot(runtime, [...entry, 'check-config', '--config', '/etc/sluice/sluice.yaml'], { env: prodEnv }).slice(1), { encoding: 'utf8' });
  if (checked.status !== 0) fail(`the image's /etc/sluice/sluice.yaml does not validate:\n${checked.stderr}`);
  log(`check-config in the image: ${checked.stdout.trim()}`);

  // ---- runtime: start ENTRYPOINT + CMD with a mounted config (demo provider, loopback ports) and env secrets -------
  const free = () => {
    const r = spawnSync(process.execPath, ['-e', "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
    return Number(r.stdout.trim());
  };
  const [port, mock] = [free(), free()];
  const etc = join(work, 'etc-sluice');
  mkdirSync(join(etc, 'policies'), { recursive: true });
  cpSync(join(repo, 'policies'), join(etc, 'policies'), { recursive: true });
  writeFileSync(join(etc, 'sluice.yaml'), [
    'server:',
    '  host: 127.0.0.1',
    '  port: ${SLUICE_PORT}',
    `demo: { enabled: true, dir: /var/lib/sluice/demo, mockProviderPort: ${mock} }`,
    'connections:',
    `  - name: openai`,
    `    provider: openai`,
    `    baseUrl: http://127.0.0.1:${mock}/v1`,
    '    credential: ${OPENAI_API_KEY}',
    '    default: true',
    'policies:',
    '  dir: policies',
    '  secret: ${SLUICE_INSPECTION_SECRET}',
    'audit: { dir: /var/lib/sluice/audit }',
    'logging: { level: warn }',
    '',
  ].join('\n'));
  sh('mount', ['--bind', '-o', 'ro', etc, join(runtime.root, 'etc/sluice')]);
  mounts.push(join(runtime.root, 'etc/sluice'));
  const runEnv = { SLUICE_PORT: String(port), OPENAI_API_KEY: 'sk-from-env', SLUICE_INSPECTION_SECRET: 'y'.repeat(32) };
  const argv = inRoot(runtime, [...entry, ...cmd], { env: runEnv });
  child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let healthy = false;
  const healthArgv = inRoot(runtime, health, { env: runEnv });
  for (let i = 0; i < 100 && !healthy; i++) {
    await new Promise((r) => setTimeout(r, 200));
    healthy = spawnSync(healthArgv[0], healthArgv.slice(1)).status === 0;
  }
  if (!healthy) {
    child.kill('SIGTERM');
    fail(`HEALTHCHECK never passed:\n${out}`);
  }
  log(`HEALTHCHECK passed; ${out.split('\n').find((l) => l.includes('HTTP engine')) ?? ''}`);
  const tokArgv = inRoot(runtime, [...entry, 'token', '--config', '/etc/sluice/sluice.yaml', '--group', 'analysts'], { env: runEnv });
  const token = sh(tokArgv[0], tokArgv.slice(1)).trim();
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] }),
  });
  const text = await res.text();
  if (res.status !== 200 || text.includes('4111 1111 1111 1111') || !text.includes('1111')) fail(`request not masked (${res.status}): ${text}`);
  log(`masked through the container: ${JSON.parse(text).choices[0].message.content}`);
  child.kill('SIGTERM');
  const end = await exited;
  if (end.code !== 0) fail(`SIGTERM did not stop it cleanly (${JSON.stringify(end)}):\n${out}`);
  log('SIGTERM: graceful exit 0');
  const auditDir = join(runtime.root, 'var/lib/sluice/audit');
  const owner = readdirSync(auditDir, { recursive: true }).filter((f) => statSync(join(auditDir, String(f))).isFile()).map((f) => statSync(join(auditDir, String(f))).uid);
  if (!owner.length || owner.some((u) => String(u) !== ids(runtime.root, runtime.user).split(':')[0])) fail(`audit files not written by ${runtime.user}: uids ${owner}`);
  log(`audit trail written by ${runtime.user}: ${owner.length} file(s)`);
  log('ok');
} catch (err) {
  process.stderr.write(`docker-steps: ${err instanceof StepError ? err.message : err.stack}\n`);
  process.exitCode = 1;
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  unmountAll();
  // Never delete through a mount that is still there (/dev is bind-mounted into the stage roots).
  const left = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(work));
  if (left.length) process.stderr.write(`docker-steps: mounts left under ${work}, not deleting it:\n${left.join('\n')}\n`);
  else if (!process.env.SLUICE_KEEP_DOCKER_STEPS) rmSync(work, { recursive: true, force: true });
}
