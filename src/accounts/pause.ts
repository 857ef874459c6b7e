/**
 * Pausing and resuming an account. A paused account stays connected and keeps being refreshed; only its
 * credentials are refused (409 `ACCOUNT_PAUSED`). Doing either twice is not an error, and only a change
 * emits `account.paused` or `account.resumed`.
 */
import { emitEvent } from '../events/outbox.ts';
import type { Runtime } from '../runtime.ts';
import { accountsWithGrant, viewOfJoined } from './views.ts';

/** The account's paused flag after the call; undefined when the team has no such account. */
export async function setPaused(
  runtime: Runtime,
  teamId: string,
  accountId: string,
  paused: boolean,
): Promise<{ id: string; paused: boolean } | undefined> {
  return runtime.db.transaction().execute(async (trx) => {
    // Only a change is written (and announced): of two concurrent pauses, one changes the row.
    const changed = await trx
      .updateTable('accounts')
      .set({ paused, updated_at: runtime.now() })
      .where('id', '=', accountId)
      .where('team_id', '=', teamId)
      .where('paused', '=', !paused)
      .returning('id')
      .executeTakeFirst();
    const row = await accountsWithGrant(trx)
      .where('accounts.id', '=', accountId)
      .where('accounts.team_id', '=', teamId)
      .executeTakeFirst();
    if (!row) return undefined;
    if (changed) {
      await emitEvent(trx, teamId, paused ? 'account.paused' : 'account.resumed', {
        account: viewOfJoined(row),
      });
    }
    return { id: row.id, paused: row.paused };
  });
}
