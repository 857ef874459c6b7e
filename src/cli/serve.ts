/** `portico serve`: runs until SIGTERM/SIGINT, then drains requests and background work before exiting. */
import type { Config } from '../config/config.ts';
import { createLogger } from '../http/logging.ts';
import { startPortico } from '../server.ts';
import { printFirstKey } from './admin.ts';
import { untilSignal } from './signals.ts';

export async function serveCommand(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const portico = await startPortico(config, logger);
  if (portico.bootstrapped) printFirstKey(portico.bootstrapped.adminKey, config.publicUrl);
  logger.info(
    {
      url: portico.url,
      public_url: config.publicUrl,
      mode: config.mode,
      storage: portico.runtime.storage.kind,
    },
    `Portico is listening; API reference at ${config.publicUrl}/docs`,
  );
  await untilSignal(
    logger,
    () => portico.close(),
    () => portico.runtime.outbound.abortAll(),
  );
  return 0;
}
