/**
 * How every leased worker works through its queue: claim a batch, handle its items a few at a time, claim
 * again until a batch comes back short (nothing more is due) or `maxBatches` have been handled, so a pass
 * ends and a stop is prompt. And how it runs: on an interval, never two passes at once (a pass longer
 * than the interval is not joined by a second one; the next tick waits on the same pass).
 */
import type { Runtime } from '../runtime.ts';
import { everyInterval, type Worker } from './worker.ts';

export interface Batches<T> {
  claim: (limit: number) => Promise<T[]>;
  handle: (item: T) => Promise<void>;
  batchSize: number;
  /** Items in flight at once. */
  concurrency: number;
  maxBatches: number;
  /** Once aborted, no more batches are claimed (what is claimed is still handled). */
  signal?: AbortSignal | undefined;
}

/** Returns how many items were claimed. */
export async function drainBatches<T>(batches: Batches<T>): Promise<number> {
  let claimed = 0;
  for (let batch = 0; batch < batches.maxBatches && !batches.signal?.aborted; batch++) {
    const items = await batches.claim(batches.batchSize);
    claimed += items.length;
    const queue = [...items];
    const lane = async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await batches.handle(item);
    };
    await Promise.all(Array.from({ length: Math.min(batches.concurrency, items.length) }, lane));
    if (items.length < batches.batchSize) break;
  }
  return claimed;
}

export function everyIntervalOnePass(
  name: string,
  intervalMs: number,
  runtime: Runtime,
  pass: (signal: AbortSignal) => Promise<void>,
): Worker {
  let running: Promise<void> | undefined;
  return everyInterval(name, intervalMs, runtime, (signal) => {
    running ??= pass(signal).finally(() => {
      running = undefined;
    });
    return running;
  });
}
