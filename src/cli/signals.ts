/** Runs until SIGTERM or SIGINT, then `shutdown`; a failed shutdown is logged, never left hanging. */
import type { Logger } from 'pino';

export function untilSignal(logger: Logger, shutdown: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      shutdown().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
