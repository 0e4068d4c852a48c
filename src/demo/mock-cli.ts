// `node dist/demo/mock-cli.js --port 9901`: the mock provider as its own process, for the bench harness.
// Prints the base URL as the first stdout line once listening; SIGINT/SIGTERM close it.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startMockProvider } from './mock-provider.js';
import type { MockProviderOptions } from './mock/types.js';

const USAGE = `usage: mock-cli [--host 127.0.0.1] [--port 9901] [--latency-ms N] [--token-delay-ms N] [--chunk N] [--record N] [--verbose]`;

function count(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function parseCliOptions(argv: string[]): MockProviderOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'latency-ms': { type: 'string' },
      'token-delay-ms': { type: 'string' },
      chunk: { type: 'string' },
      record: { type: 'string' },
      verbose: { type: 'boolean' },
    },
    strict: true,
  });
  return {
    host: values.host ?? '127.0.0.1',
    port: count('port', values.port) ?? 0,
    latencyMs: count('latency-ms', values['latency-ms']),
    tokenDelayMs: count('token-delay-ms', values['token-delay-ms']),
    chunkChars: count('chunk', values.chunk),
    // Nobody can read `received` from another process: record nothing unless asked (for --verbose debugging).
    maxReceived: count('record', values.record) ?? 0,
    quiet: values.verbose !== true,
  };
}

async function main(): Promise<void> {
  let options: MockProviderOptions;
  try {
    options = parseCliOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const provider = await startMockProvider(options);
  process.stdout.write(`${provider.url}\n`);
  const stop = (): void => {
    void provider.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

// Importing the module (tests, the bench harness in-process) must not start a server.
if (invokedDirectly()) void main();
