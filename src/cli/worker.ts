/** `portico worker`: background work without the HTTP server, for running it apart from the API processes. */
import type { Config } from '../config/config.ts';
import { createLogger } from '../http/logging.ts';
import { createRuntime } from '../runtime.ts';
import { SHUTDOWN_GRACE_MS } from '../server.ts';
import { surfaces } from '../surfaces.ts';
import { untilSignal } from './signals.ts';

export async function workerCommand(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const runtime = await createRuntime(config, logger);
  const workers = surfaces.workers(runtime);
  logger.info(
    { workers: workers.map((w) => w.name), storage: runtime.storage.kind },
    'Portico worker running',
  );
  await untilSignal(
    logger,
    async () => {
      // As in `serve`: a platform that never answers must not hold the shutdown past the grace period.
      const grace = setTimeout(() => runtime.outbound.abortAll(), SHUTDOWN_GRACE_MS);
      try {
        for (const worker of workers) await worker.stop();
      } finally {
        clearTimeout(grace);
      }
      await runtime.storage.close();
    },
    () => runtime.outbound.abortAll(),
  );
  return 0;
}
