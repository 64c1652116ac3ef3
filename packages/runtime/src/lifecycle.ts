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
