/**
 * The outbox: events are written in the same transaction as the change that causes them, so an event
 * exists exactly when its change does. Delivery (webhooks) reads from here.
 */
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';

export type EventType =
  | 'account.connected'
  | 'account.token_expired'
  | 'account.refreshed'
  | 'account.refresh_failed'
  | 'account.recovered'
  | 'account.token_expiring'
  | 'account.reconnected'
  | 'account.paused'
  | 'account.resumed'
  | 'account.disconnected';

export async function emitEvent(
  db: Db,
  teamId: string,
  type: EventType,
  payload: Record<string, unknown>,
): Promise<string> {
  const id = newId('evt');
  await db
    .insertInto('events')
    .values({ id, team_id: teamId, type, payload: JSON.stringify(payload) })
    .execute();
  return id;
}
