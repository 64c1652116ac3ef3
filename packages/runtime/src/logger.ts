// JSON logs, one line per event (pino). Every line names its service; callers add runId and
// task position with child loggers. Credentials are redacted wherever they appear by key.
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'authorization', '*.authorization', '*.*.authorization', 'headers.authorization', '*.headers.authorization',
  'password', '*.password', '*.*.password', 'token', '*.token', 'apiKey', '*.apiKey', 'secret', '*.secret', 'secrets', '*.secrets',
];

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}
