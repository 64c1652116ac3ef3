// JSON logs, one line per event (pino). Every line names its service; callers add runId and
// task position with child loggers. Credentials are redacted wherever they appear by key, and
// every workflow secret this process loaded is masked wherever it appears by value — in any
// field, message or error text — the way CI systems mask secrets in their logs.
import { createSecretMasker, type SecretMasker } from '@baton/core';
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'authorization', '*.authorization', '*.*.authorization', 'headers.authorization', '*.headers.authorization',
  'password', '*.password', '*.*.password', 'token', '*.token', 'apiKey', '*.apiKey', 'secret', '*.secret', 'secrets', '*.secrets',
];

// One masker for the whole process: a line is masked when it is written, so loggers made before
// the secrets were loaded mask them too.
const maskedValues = new Set<unknown>();
let logMasker: SecretMasker = createSecretMasker([]);

/** Masks the values of `secrets` (name → value) in every log line this process writes from now on. */
export function maskSecretsInLogs(secrets: Readonly<Record<string, unknown>>): void {
  const before = maskedValues.size;
  for (const value of Object.values(secrets)) maskedValues.add(value);
  if (maskedValues.size !== before) logMasker = createSecretMasker([...maskedValues]);
}

/** What a log line becomes before it is written (exported for tests of other destinations). */
export function maskLogLine(line: string): string {
  return logMasker.text(line);
}

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    hooks: { streamWrite: maskLogLine },
  };
  return destination ? pino(options, destination) : pino(options);
}
