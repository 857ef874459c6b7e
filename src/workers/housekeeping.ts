/**
 * Housekeeping: marks connect sessions nobody completed as expired, forgets idempotency records past their
 * 24 hours, and forgets events (with their delivery log) older than the retention, unless a delivery of
 * theirs still waits. Each step is one idempotent statement, so any number of workers may run it at once.
 */
import type { Runtime } from '../runtime.ts';
import type { Worker } from './worker.ts';
import { everyInterval } from './worker.ts';

export async function sweep(
  runtime: Runtime,
): Promise<{ expiredSessions: number; forgottenIdempotencyKeys: number; forgottenEvents: number }> {
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
  const events = await runtime.db
    .deleteFrom('events')
    .where('created_at', '<', new Date(now.getTime() - runtime.config.eventRetentionDays * 86_400_000))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('webhook_deliveries')
            .select('id')
            .whereRef('webhook_deliveries.event_id', '=', 'events.id')
            .where('status', '=', 'pending'),
        ),
      ),
    )
    .executeTakeFirst();
  return {
    expiredSessions: Number(sessions.numUpdatedRows),
    forgottenIdempotencyKeys: Number(records.numDeletedRows),
    forgottenEvents: Number(events.numDeletedRows),
  };
}

export function startHousekeeping(runtime: Runtime, intervalMs = 60_000): Worker {
  return everyInterval('housekeeping', intervalMs, runtime, async () => {
    const swept = await sweep(runtime);
    if (swept.expiredSessions + swept.forgottenIdempotencyKeys + swept.forgottenEvents > 0)
      runtime.logger.debug(swept, 'housekeeping');
  });
}
