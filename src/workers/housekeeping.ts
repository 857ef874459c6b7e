/**
 * Housekeeping: marks connect sessions nobody completed as expired and forgets idempotency records past
 * their 24 hours. Each step is one idempotent statement, so any number of workers may run it at once.
 */
import type { Runtime } from '../runtime.ts';
import type { Worker } from './worker.ts';
import { everyInterval } from './worker.ts';

export async function sweep(
  runtime: Runtime,
): Promise<{ expiredSessions: number; forgottenIdempotencyKeys: number }> {
  const now = runtime.now();
  const sessions = await runtime.db
    .updateTable('connect_sessions')
    .set({ status: 'expired', error_code: 'session_expired' })
    .where('status', '=', 'pending')
    .where('claimed_at', 'is', null)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  const records = await runtime.db
    .deleteFrom('idempotency_records')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return {
    expiredSessions: Number(sessions.numUpdatedRows),
    forgottenIdempotencyKeys: Number(records.numDeletedRows),
  };
}

export function startHousekeeping(runtime: Runtime, intervalMs = 60_000): Worker {
  return everyInterval('housekeeping', intervalMs, runtime, async () => {
    const swept = await sweep(runtime);
    if (swept.expiredSessions + swept.forgottenIdempotencyKeys > 0)
      runtime.logger.debug(swept, 'housekeeping');
  });
}
