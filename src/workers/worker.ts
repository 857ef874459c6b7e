/** Background work that runs on an interval and stops cleanly: a stop waits for the run in progress. */
import type { Runtime } from '../runtime.ts';

export interface Worker {
  readonly name: string;
  stop(): Promise<void>;
}

export function everyInterval(
  name: string,
  intervalMs: number,
  runtime: Runtime,
  run: () => Promise<void>,
): Worker {
  let current: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    current = run().catch((error: unknown) =>
      runtime.logger.error({ err: error, worker: name }, 'background work failed'),
    );
  };
  const timer = setInterval(tick, intervalMs);
  // Background work never keeps the process alive on its own.
  timer.unref();
  return {
    name,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
