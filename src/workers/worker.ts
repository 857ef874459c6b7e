/**
 * Background work that runs on an interval and stops cleanly: a stop aborts the run's signal (work that
 * can end early does, and claims no more) and waits for the run in progress.
 */
import type { Runtime } from '../runtime.ts';

export interface Worker {
  readonly name: string;
  stop(): Promise<void>;
}

export function everyInterval(
  name: string,
  intervalMs: number,
  runtime: Runtime,
  run: (signal: AbortSignal) => Promise<void>,
): Worker {
  let current: Promise<void> = Promise.resolve();
  const stopping = new AbortController();
  const tick = () => {
    if (stopping.signal.aborted) return;
    current = run(stopping.signal).catch((error: unknown) =>
      runtime.logger.error({ err: error, worker: name }, 'background work failed'),
    );
  };
  const timer = setInterval(tick, intervalMs);
  // Background work never keeps the process alive on its own.
  timer.unref();
  return {
    name,
    async stop() {
      stopping.abort(new Error('Portico is stopping'));
      clearInterval(timer);
      await current;
    },
  };
}
