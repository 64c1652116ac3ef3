// JSON logs, one line per event (pino). Every line names its service; callers add runId and
// task position with child loggers. Credentials are redacted wherever they appear by key, and
// every workflow secret this process loaded is masked wherever it appears by value — in any
// field, message or error text — the way CI systems mask secrets in their logs.
import { createSecretMasker, type SecretMasker } from '@baton/core';
import { pino, type Logger } from 'pino';
import { ConfigError } from './env.ts';

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

/** What buffered log lines are written to, many lines in one write. */
export interface LineSink {
  write(text: string): unknown;
}

/** Pending lines are written at once when they reach this many characters, not at the window's end. */
const BUFFER_CHARS = 64 * 1024;

/** How long a log line may wait to be written with the lines after it (`LOG_FLUSH_MS`). */
export const DEFAULT_LOG_FLUSH_MS = 100;

/**
 * A destination that writes log lines in batches: the first line when none is pending schedules a
 * write `flushMs` later (0: at the end of its event-loop turn, setImmediate), and the lines logged
 * until then go out with it; 64 K characters pending are written at once. Each write to stdout
 * costs a system call on a thread of libuv's pool, a wake-up of that thread and one of whatever
 * reads stdout (the container runtime, a terminal): at the default level the API logs a line per
 * request and the runner one per finished run. A line written alone cost its writer ~110 µs of CPU
 * at idle, one of a window's ~50 (bench/README, stop 40). No line waits longer than `flushMs`, order is kept, and
 * the timer does not hold an idle process alive. `flush()` writes what is pending at once;
 * `unbuffered()` does, and from then on each line is written as it comes (a process that is
 * exiting has no later turn).
 */
export function bufferedLogDestination(sink: LineSink, flushMs = DEFAULT_LOG_FLUSH_MS): pino.DestinationStream & { flush(done?: (error?: Error) => void): void; unbuffered(): void } {
  let pending = '';
  // A write is scheduled: lines logged before it runs go out with it. One that finds nothing left
  // (an earlier flush took the lines) writes nothing, and a line after that flush waits less.
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
  const due = () => {
    scheduled = false;
    flush();
  };
  return {
    write(line: string) {
      pending += line;
      if (direct || pending.length >= BUFFER_CHARS) flush();
      else if (!scheduled) {
        scheduled = true;
        if (flushMs > 0) setTimeout(due, flushMs).unref();
        else setImmediate(due).unref();
      }
    },
    flush,
    unbuffered() {
      direct = true;
      flush();
    },
  };
}

/** `LOG_FLUSH_MS`: unset or blank, the default; else a whole number of milliseconds up to a minute, or a ConfigError. */
export function logFlushMs(value = process.env.LOG_FLUSH_MS): number {
  if (value === undefined || value.trim() === '') return DEFAULT_LOG_FLUSH_MS;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) throw new ConfigError(`LOG_FLUSH_MS must be a whole number of milliseconds from 0 to 60000, not ${JSON.stringify(value)}`);
  return ms;
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
    const buffered = bufferedLogDestination({ write: (text) => (exiting ?? boom).write(text) }, logFlushMs());
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
