/** Opens the runtime for a one-shot CLI command, with quiet logs. */
import type { Config } from '../config/config.ts';
import { createLogger } from '../http/logging.ts';
import { createRuntime, type Runtime } from '../runtime.ts';

export async function withRuntime<T>(config: Config, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime(
    config,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
  );
  try {
    return await work(runtime);
  } finally {
    await runtime.storage.close();
  }
}
