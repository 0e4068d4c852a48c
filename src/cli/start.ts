// `sluice start`: run until SIGTERM/SIGINT, then shut down gracefully.
import { ConfigError } from '../config/load.js';
import { startFromFile } from '../main.js';

export async function startCommand(file: string): Promise<number> {
  let sluice;
  try {
    sluice = await startFromFile(file);
  } catch (err) {
    const msg = err instanceof ConfigError ? `invalid configuration:\n${err.message}` : (err as Error).message;
    process.stderr.write(`sluice: ${msg}\n`);
    return 1;
  }
  process.stderr.write(`sluice: listening on ${sluice.url}\n`);
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
