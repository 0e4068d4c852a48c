// `sluice start`: say which configuration and HTTP engine run, then serve until SIGTERM/SIGINT and shut down gracefully.
import { ConfigError } from '../config/load.js';
import { startFromFile, type Sluice } from '../main.js';
import { describeConfig, type ConfigChoice } from './args.js';

export async function startCommand(choice: ConfigChoice): Promise<number> {
  process.stderr.write(`sluice: ${describeConfig(choice)}\n`);
  let sluice: Sluice;
  try {
    sluice = await startFromFile(choice.file);
  } catch (err) {
    const msg = err instanceof ConfigError ? `invalid configuration:\n${err.message}` : (err as Error).message;
    process.stderr.write(`sluice: ${msg}\n`);
    return 1;
  }
  process.stderr.write(`sluice: HTTP engine ${sluice.engine.name}: ${sluice.engine.build} (${sluice.engine.reason})\n`);
  if (sluice.config.demo.enabled) process.stderr.write(demoBanner(sluice));
  process.stderr.write(`sluice: listening on ${sluice.url}\n`);
  if (sluice.consoleUrl) process.stderr.write(`sluice: reviewer console at ${sluice.consoleUrl}${sluice.config.demo.enabled ? ' (demo sign-in: pick any user and groups)' : ''}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void sluice.close().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  // Idle keep-alive sockets would keep the process alive: exit once everything is flushed.
  setImmediate(() => process.exit(0));
  return 0;
}

function demoBanner(s: Sluice): string {
  const rule = '='.repeat(78);
  return [
    rule,
    ' DEMO MODE: a mock provider stands in for OpenAI/Anthropic and a local demo issuer mints tokens',
    ` (mock at ${s.mock?.url ?? '?'}; mint a token with \`sluice token --group analysts\`).`,
    ' Not for real traffic: set demo.enabled: false and configure identity and connections',
    ' (docs/configuration.md).',
    rule,
    '',
  ].join('\n');
}
