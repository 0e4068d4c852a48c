// pino JSON logs; credentials are redacted by path and never passed in messages.
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.credential',
  '*.token',
  '*.secret',
];

const WARN = 40;

/**
 * Info lines are buffered (4 KiB) to keep the hot path cheap; a warning or an error flushes the buffer at once, in
 * order, so a refused policy reload or an audit failure is visible immediately and survives a kill -9 that follows.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const dest = destination ?? pino.destination({ fd: 1, sync: false, minLength: 4096 });
  const flushSync = (dest as { flushSync?: () => void }).flushSync?.bind(dest);
  return pino(
    {
      level,
      base: { svc: 'sluice' },
      redact: { paths: REDACT, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method, lvl) {
          method.apply(this, args);
          if (lvl >= WARN && flushSync) flushSafely(flushSync);
        },
      },
    },
    dest,
  );
}

function flushSafely(flush: () => void): void {
  try {
    flush();
  } catch {
    // Not ready yet (fd still opening) or a broken pipe: the line stays buffered; logging never throws.
  }
}

/** A logger that drops everything (tests, CLI). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
