/**
 * Runs until SIGTERM or SIGINT, then `shutdown`; a failed shutdown is logged, never left hanging. A second
 * signal while shutting down calls `hurry` (abort calls to platforms now rather than after the grace
 * period); a third stops the process at once.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

export function untilSignal(
  logger: Logger,
  shutdown: () => Promise<void>,
  hurry: () => void = () => {},
  /** Where signals arrive; tests pass their own emitter. */
  signals: Pick<EventEmitter, 'on' | 'off'> = process,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<void> {
  return new Promise<void>((resolve) => {
    let received = 0;
    const done = () => {
      signals.off('SIGTERM', onSignal);
      signals.off('SIGINT', onSignal);
      resolve();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      received += 1;
      if (received === 1) {
        logger.info({ signal }, 'shutting down');
        shutdown().then(done, (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          done();
        });
      } else if (received === 2) {
        logger.warn({ signal }, 'shutting down now: aborting calls to platforms still running');
        hurry();
      } else {
        logger.error({ signal }, 'stopping at once, before the shutdown finished');
        exit(1);
      }
    };
    signals.on('SIGTERM', onSignal);
    signals.on('SIGINT', onSignal);
  });
}
