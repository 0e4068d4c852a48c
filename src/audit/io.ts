// Where CLI subcommands write; tests pass their own sinks and an abort signal for `tail --follow`.
import { once } from 'node:events';

export interface OutStream {
  write(chunk: string): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  signal?: AbortSignal;
}

export function consoleIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** Writes and waits for 'drain' when the stream asks, so large outputs to a slow pipe stay in constant memory. */
export async function emit(out: OutStream, text: string): Promise<void> {
  if (!out.write(text) && out.once) await once(out as unknown as NodeJS.EventEmitter, 'drain');
}
