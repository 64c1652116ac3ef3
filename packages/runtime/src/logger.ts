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

/** What the lines of one turn are written to, once per turn. */
export interface LineSink {
  write(text: string): unknown;
}

/** A turn's lines are written at once when they reach this many characters, not at the turn's end. */
const TURN_BUFFER_CHARS = 64 * 1024;

/**
 * A destination that writes the log lines of one turn of the event loop together: the first line
 * of a turn schedules a write at the turn's check phase (setImmediate), and the lines logged
 * until then go out with it. Each write to stdout is a system call that wakes whatever reads it
 * (the container runtime, a terminal); under load a worker logs many lines per turn (a batch of
 * tasks, a burst of API requests), and one write for them costs a fraction of one each. No line
 * waits longer than the turn it was logged in, and order is kept. `flush()` writes what is pending
 * at once; `unbuffered()` does, and from then on each line is written as it comes (a process that
 * is exiting has no next turn).
 */
export function turnBufferedDestination(sink: LineSink): pino.DestinationStream & { flush(done?: (error?: Error) => void): void; unbuffered(): void } {
  let pending = '';
  let scheduled = false;
  let direct = false;
  // `done`: pino's logger.flush(callback) hands its callback on to its destination's flush.
  const flush = (done?: (error?: Error) => void) => {
    if (pending !== '') {
      const text = pending;
      pending = '';
      sink.write(text);
    }
    done?.();
  };
  return {
    write(line: string) {
      pending += line;
      if (direct || pending.length >= TURN_BUFFER_CHARS) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    },
    flush,
    unbuffered() {
      direct = true;
      flush();
    },
  };
}

// One for the whole process: every logger made without a destination of its own writes to stdout
// through it; what is pending when the process exits (a fatal error, a shutdown) is written then,
// and what other exit handlers log after that goes out line by line. Underneath is pino's own
// default, an asynchronous SonicBoom: when whatever reads stdout stalls (a paused pager, a stuck
// log driver), lines wait in memory and the event loop goes on serving.
let stdoutDestination: pino.DestinationStream | undefined;

function stdout(): pino.DestinationStream {
  if (!stdoutDestination) {
    const boom = pino.destination({ dest: 1, sync: false });
    // An exiting process has no next turn for an asynchronous write: from then on, synchronous ones.
    let exiting: pino.DestinationStream | undefined;
    const buffered = turnBufferedDestination({ write: (text) => (exiting ?? boom).write(text) });
    process.once('exit', () => {
      try {
        boom.flushSync();
      } catch {
        // stdout is gone (its reader closed it): there is nowhere else to write to.
      }
      exiting = pino.destination({ dest: 1, sync: true });
      buffered.unbuffered();
    });
    stdoutDestination = buffered;
  }
  return stdoutDestination;
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
  return pino(options, destination ?? stdout());
}
