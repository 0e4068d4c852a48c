// The `sluice` command's subcommands.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile, ConfigError } from '../config/load.js';
import { packageRoot } from '../paths.js';
import type { Identity } from '../types.js';
import { createAuthenticator } from '../auth/authenticate.js';
import { validateIdentityConfig } from '../auth/config.js';
import { ensureDemoIssuer, demoIssuerEntry } from '../demo/issuer.js';

const USAGE = `usage: sluice <command> [options]

commands:
  start [--config FILE]          run the gateway (default config: $SLUICE_CONFIG, ./sluice.yaml, or the bundled demo)
  check-config [--config FILE]   validate the configuration and exit
  token --group G [--sub S] [--job J] [--ttl SECONDS] [--dir DIR]
                                 mint a demo token (demo mode)
  policy check|explain ...       validate policies / explain a decision
  audit verify|search|replay|tail ...
                                 verify and read the audit trail
  approvals list|show|approve|deny ...
                                 review held requests through the reviewer API
  shadow scan FILE... [--format table|json]
                                 find LLM calls that bypassed Sluice in proxy/access/flow logs
  keys generate --out DIR        create an Ed25519 key pair for audit checkpoints
`;

export function configPath(argv: string[]): string {
  const i = argv.indexOf('--config');
  if (i >= 0 && argv[i + 1]) return resolve(argv[i + 1]);
  if (process.env.SLUICE_CONFIG) return resolve(process.env.SLUICE_CONFIG);
  if (existsSync('sluice.yaml')) return resolve('sluice.yaml');
  return join(packageRoot(), 'sluice.yaml');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
      return (await import('./start.js')).startCommand(configPath(rest));
    case 'check-config':
      return checkConfig(configPath(rest));
    case 'token':
      return (await import('../auth/token-cli.js')).tokenCommand(withoutConfig(rest), { dir: demoDir(rest) });
    case 'policy':
      return (await import('../policy/cli.js')).policyCommand(withoutConfig(rest), { authenticate: await tokenVerifier(rest) });
    case 'audit': {
      // The audit dir defaults to the configured one (the CLI module reads SLUICE_AUDIT_DIR when it loads).
      const dir = quietly(() => loadConfigFile(configPath(rest)).config.audit.dir);
      if (!process.env.SLUICE_AUDIT_DIR && dir) process.env.SLUICE_AUDIT_DIR = dir;
      return (await import('../audit/cli.js')).auditCommand(withoutConfig(rest));
    }
    case 'approvals':
      return (await import('../approval/cli.js')).approvalsCommand(rest);
    case 'shadow':
      return (await import('../shadow/cli.js')).shadowCommand(rest);
    case 'keys':
      return (await import('../audit/keys.js')).keysCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`sluice: unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

/** The demo issuer lives in the configured demo.dir (relative to the config file). */
function demoDir(argv: string[]): string | undefined {
  return quietly(() => loadConfigFile(configPath(argv)).config.demo.dir);
}

function quietly<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** `policy explain` verifies tokens the way the gateway would (configured issuers, plus the demo issuer). */
async function tokenVerifier(argv: string[]): Promise<((token: string) => Promise<Identity>) | undefined> {
  const loaded = quietly(() => loadConfigFile(configPath(argv)));
  if (!loaded) return undefined;
  const { config, baseDir } = loaded;
  let raw = (config.identity ?? {}) as Record<string, unknown>;
  if (config.demo.enabled) {
    const demo = await ensureDemoIssuer(config.demo.dir);
    raw = { ...raw, issuers: [...(Array.isArray(raw.issuers) ? raw.issuers : []), demoIssuerEntry(demo)] };
  }
  const auth = createAuthenticator(validateIdentityConfig(raw, 'identity', baseDir));
  return (token) => auth.authenticate({ authorization: `Bearer ${token}` }, '127.0.0.1');
}

function withoutConfig(argv: string[]): string[] {
  const i = argv.indexOf('--config');
  return i < 0 ? argv : [...argv.slice(0, i), ...argv.slice(i + 2)];
}

function checkConfig(file: string): number {
  try {
    const { config } = loadConfigFile(file);
    process.stdout.write(`${file}: ok (${config.connections.length} connection(s), policies in ${config.policies.dir})\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
