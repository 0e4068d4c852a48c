// The `sluice` command: strict flags, -h/--help on every command (exit 0, starts nothing), exit 2 on misuse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile, ConfigError } from '../config/load.js';
import { packageRoot } from '../paths.js';
import type { Identity } from '../types.js';
import { createAuthenticator } from '../auth/authenticate.js';
import { withIssuer } from '../auth/config.js';
import { ensureDemoIssuer, demoIssuerEntry } from '../demo/issuer.js';
import { EXIT_USAGE, UsageError, resolveConfig, takeConfig, wantsHelp, type ConfigChoice } from './args.js';

const USAGE = `usage: sluice <command> [options]        (sluice <command> --help for its options)

commands:
  start [--config FILE]          run the gateway (config: --config, $SLUICE_CONFIG, ./sluice.yaml, or the bundled demo)
  check-config [--config FILE]   validate the configuration and exit
  token --group G [--sub S] [--job J] [--ttl SECONDS] [--dir DIR]
                                 mint a demo token (demo mode)
  policy check|explain ...       validate policies / explain a decision
  audit verify|search|replay|ship|tail ...
                                 verify and read the audit trail (local files or --db)
  db migrate|status [--db URL]   apply / show the PostgreSQL audit store's schema
  approvals list|show|approve|deny ...
                                 review held requests through the reviewer API
  shadow scan FILE... [--format table|json]
                                 find LLM calls that bypassed Sluice in proxy/access/flow logs
  keys generate --out DIR        create an Ed25519 key pair for audit checkpoints
  usage [--since T] [--until T] [--by group,job,model] [--json]
                                 tokens and spend from the audit trail

options:
  -h, --help                     this text
  --version                      print the version
`;

const START_USAGE = `usage: sluice start [--config FILE]

Runs the gateway until SIGTERM or SIGINT, then shuts down gracefully. The configuration is --config FILE, else
$SLUICE_CONFIG, else ./sluice.yaml in the current folder, else the bundled demo configuration (mock provider and
demo issuer, loopback only); the file used is named at start.
`;

const CHECK_USAGE = `usage: sluice check-config [--config FILE]

Validates the configuration (the same file \`sluice start\` would load) and exits: 0 valid, 1 invalid, 2 usage.
Errors name the file, line and key.
`;

const CONFIG_NOTE = '\n--config FILE: the configuration to read (default as for `sluice start`).\n';

interface Command {
  /** Usage text; loaded lazily so `--help` stays fast and starts nothing. */
  usage(): Promise<string>;
  /** Accepts --config (split out before the command's own strict parsing). */
  config: boolean;
  run(argv: string[], config: ConfigChoice): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  start: {
    usage: async () => START_USAGE,
    config: true,
    async run(argv, config) {
      noArguments(argv);
      return (await import('./start.js')).startCommand(config);
    },
  },
  'check-config': {
    usage: async () => CHECK_USAGE,
    config: true,
    async run(argv, config) {
      noArguments(argv);
      return checkConfig(config.file);
    },
  },
  token: {
    usage: async () => (await import('../auth/token-cli.js')).USAGE + CONFIG_NOTE,
    config: true,
    run: async (argv, config) => (await import('../auth/token-cli.js')).tokenCommand(argv, { dir: quietly(() => loadConfigFile(config.file).config.demo.dir) }),
  },
  policy: {
    usage: async () => `${(await import('../policy/cli.js')).USAGE}\n${CONFIG_NOTE}`,
    config: true,
    run: async (argv, config) => (await import('../policy/cli.js')).policyCommand(argv, { authenticate: await tokenVerifier(config.file) }),
  },
  audit: {
    usage: async () => (await import('../audit/cli.js')).USAGE + CONFIG_NOTE,
    config: true,
    async run(argv, config) {
      // The audit dir defaults to the configured one (the CLI module reads SLUICE_AUDIT_DIR when it loads).
      const dir = quietly(() => loadConfigFile(config.file).config.audit.dir);
      if (!process.env.SLUICE_AUDIT_DIR && dir) process.env.SLUICE_AUDIT_DIR = dir;
      return (await import('../audit/cli.js')).auditCommand(argv);
    },
  },
  db: {
    usage: async () => (await import('../audit/db/cli.js')).DB_USAGE + CONFIG_NOTE,
    config: true,
    async run(argv, config) {
      const pgCfg = quietly(() => loadConfigFile(config.file).config.audit.postgres);
      return (await import('../audit/db/cli.js')).dbCommand(argv, undefined, pgCfg);
    },
  },
  approvals: {
    usage: async () => (await import('../approval/cli.js')).USAGE,
    config: false,
    run: async (argv) => (await import('../approval/cli.js')).approvalsCommand(argv),
  },
  shadow: {
    // `shadow scan` reads --config itself (for the egress signatures).
    usage: async () => (await import('../shadow/cli.js')).USAGE,
    config: false,
    run: async (argv) => (await import('../shadow/cli.js')).shadowCommand(argv),
  },
  usage: {
    usage: async () => (await import('../spend/usage-cli.js')).USAGE + CONFIG_NOTE,
    config: true,
    async run(argv, config) {
      const loaded = quietly(() => loadConfigFile(config.file).config);
      const { usageCommand } = await import('../spend/usage-cli.js');
      const { consoleIo } = await import('../audit/io.js');
      return usageCommand(argv, consoleIo(), { dir: process.env.SLUICE_AUDIT_DIR ?? loaded?.audit.dir ?? '.sluice/audit', prices: loaded?.spend.prices, currency: loaded?.spend.currency });
    },
  },
  keys: {
    usage: async () => (await import('../audit/keys.js')).USAGE,
    config: false,
    run: async (argv) => (await import('../audit/keys.js')).keysCommand(argv),
  },
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`sluice ${version()}\n`);
    return 0;
  }
  if (cmd === undefined || cmd === '-h' || cmd === '--help') {
    process.stdout.write(USAGE);
    return cmd === undefined ? EXIT_USAGE : 0;
  }
  if (cmd === 'help') {
    const target = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    if (rest[0] !== undefined && !target) return usageError(`unknown command "${rest[0]}"`);
    process.stdout.write(target ? await target.usage() : USAGE);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!command) return usageError(cmd.startsWith('-') ? `unknown option "${cmd}"` : `unknown command "${cmd}"`);
  if (wantsHelp(rest)) {
    const text = await command.usage();
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  }
  try {
    const { config, rest: own } = command.config ? takeConfig(rest) : { config: undefined, rest };
    return await command.run(own, resolveConfig(config));
  } catch (err) {
    if (err instanceof UsageError) return usageError(err.message, cmd);
    throw err;
  }
}

function usageError(message: string, cmd?: string): number {
  process.stderr.write(cmd ? `sluice: ${message} (see \`sluice ${cmd} --help\`)\n` : `sluice: ${message}\n${USAGE}`);
  return EXIT_USAGE;
}

/** start and check-config take no arguments besides --config: anything else is a mistake, not something to ignore. */
function noArguments(argv: string[]): void {
  try {
    parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

function quietly<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** `policy explain` verifies tokens the way the gateway would (configured issuers, plus the demo issuer). */
async function tokenVerifier(file: string): Promise<((token: string) => Promise<Identity>) | undefined> {
  const loaded = quietly(() => loadConfigFile(file));
  if (!loaded) return undefined;
  const { config } = loaded;
  const identity = config.demo.enabled ? withIssuer(config.identity, demoIssuerEntry(await ensureDemoIssuer(config.demo.dir))) : config.identity;
  const auth = createAuthenticator(identity);
  return (token) => auth.authenticate({ authorization: `Bearer ${token}` }, '127.0.0.1');
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
