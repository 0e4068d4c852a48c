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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'sluice' },
      redact: { paths: REDACT, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 1, sync: false, minLength: 4096 }),
  );
}

/** A logger that drops everything (tests, CLI). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
