import type { Logger } from '@evented/core';

/**
 * Stops gracefully on the first SIGTERM or SIGINT and exits 0 (1 if stopping failed);
 * a second signal exits 1 at once, for when a graceful stop takes too long.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'evented stopping now, without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'evented shutting down');
    stop().then(
      () => {
        logger.info({}, 'evented stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'evented could not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
