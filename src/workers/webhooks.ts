/**
 * The webhook worker: sends what the outbox queued (`webhooks/deliver.ts`), polling often (deliveries
 * should follow their change within a second), one pass at a time.
 */
import type { Runtime } from '../runtime.ts';
import { deliverDue } from '../webhooks/deliver.ts';
import { everyIntervalOnePass } from './batches.ts';
import type { Worker } from './worker.ts';

export function startWebhookWorker(runtime: Runtime): Worker {
  return everyIntervalOnePass('webhooks', runtime.config.webhooks.pollMs, runtime, async (signal) => {
    const run = await deliverDue(runtime, { signal });
    if (run.claimed > 0) runtime.logger.debug({ webhooks: run }, 'webhook pass');
  });
}
