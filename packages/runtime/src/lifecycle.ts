// Graceful shutdown: on SIGTERM/SIGINT run the stop functions once (last started, first stopped),
// then exit. A second signal exits at once.
import type { Logger } from 'pino';

export function onShutdown(logger: Logger, stops: (() => Promise<void>)[], timeoutMs = 25_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    void (async () => {
      for (const stop of [...stops].reverse()) {
        try {
          await stop();
        } catch (error) {
          logger.error({ err: error }, 'error while stopping');
        }
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** The exit code of a process that stopped on a bug (EX_SOFTWARE, sysexits.h). */
export const FATAL_EXIT_CODE = 70;

/**
 * What a process does with an error that escaped every handler — an uncaught exception or an
 * unhandled rejection. Every request handler answers its own failures, so reaching here is a
 * bug, and from then on the process's state is unknown (a map half updated, a callback never
 * called, a socket left mid-protocol). Serving on would hide the bug behind wrong answers. So
 * the error is logged as fatal with its stack, the stop functions get `graceMs` (listeners
 * close, leases are released), and the process exits with FATAL_EXIT_CODE for its supervisor
 * (Docker's restart policy, Kubernetes) to start a fresh one. Nothing durable is lost:
 * PostgreSQL holds every run, and work in flight is reclaimed after its lease.
 */
export function exitOnFatalError(logger: Logger, stops: (() => Promise<void>)[], graceMs = 5_000): void {
  let dying = false;
  const die = (kind: 'uncaughtException' | 'unhandledRejection', error: unknown) => {
    logger.fatal({ err: error, kind }, `${kind}: a bug escaped every handler; exiting for the supervisor to restart this process`);
    if (dying) return;
    dying = true;
    setTimeout(() => process.exit(FATAL_EXIT_CODE), graceMs).unref();
    void (async () => {
      for (const stop of [...stops].reverse()) await stop().catch(() => undefined);
      process.exit(FATAL_EXIT_CODE);
    })();
  };
  process.on('uncaughtException', (error) => die('uncaughtException', error));
  process.on('unhandledRejection', (reason) => die('unhandledRejection', reason));
}
