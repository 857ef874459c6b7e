/**
 * The webhook worker: sends what the outbox queued (`webhooks/deliver.ts`), polling often (deliveries
 * should follow their change within a second) with one pass at a time.
 */
import type { Runtime } from '../runtime.ts';
import { deliverDue } from '../webhooks/deliver.ts';
import { everyInterval, type Worker } from './worker.ts';

export function startWebhookWorker(runtime: Runtime): Worker {
  let pass: Promise<void> | undefined;
  return everyInterval('webhooks', runtime.config.webhooks.pollMs, runtime, () => {
    pass ??= deliverDue(runtime)
      .then((run) => {
        if (run.claimed > 0) runtime.logger.debug({ webhooks: run }, 'webhook pass');
      })
      .finally(() => {
        pass = undefined;
      });
    return pass;
  });
}
