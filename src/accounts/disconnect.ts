/**
 * Disconnecting an account, irreversibly: when no other account needs its grant, the grant is revoked at
 * the platform (a failure there is logged and reported in the event, never fatal); then the account, its
 * target's own token, and the grant with its tokens once no account needs it, are deleted, and
 * `account.disconnected` is emitted, in one transaction. Connecting again makes a new account.
 */
import { renderHosted } from '../events/hosted.ts';
import { emitEvent } from '../events/outbox.ts';
import type { Runtime } from '../runtime.ts';
import { revokeGrant } from './revoke.ts';
import { accountsWithGrant, viewOfJoined } from './views.ts';

export type PlatformRevoke =
  | { status: 'revoked' }
  | { status: 'failed'; error: string }
  /** Other accounts still use the grant, so it was kept (and not revoked). */
  | { status: 'kept' }
  /** Not asked (a hosted account replaced by another user's connect); the tokens were deleted. */
  | { status: 'skipped'; reason: string };

/** What happened at the platform; undefined when the team has no such account. */
export async function disconnectAccount(
  runtime: Runtime,
  teamId: string,
  accountId: string,
): Promise<{ revoke: PlatformRevoke } | undefined> {
  const row = await accountsWithGrant(runtime.db)
    .where('accounts.id', '=', accountId)
    .where('accounts.team_id', '=', teamId)
    .executeTakeFirst();
  if (!row) return undefined;
  const view = viewOfJoined(row);
  const others = await runtime.db
    .selectFrom('accounts')
    .select('id')
    .where('grant_id', '=', row.grant_id)
    .where('id', '<>', row.id)
    .limit(1)
    .executeTakeFirst();
  let revoke: PlatformRevoke = { status: 'kept' };
  if (!others) {
    const grant = await runtime.db
      .selectFrom('grants')
      .selectAll()
      .where('id', '=', row.grant_id)
      .executeTakeFirst();
    // Outside any transaction: a platform call holds no database lock.
    const revoked = grant ? await revokeGrant(runtime, grant) : { ok: true as const, value: undefined };
    revoke = revoked.ok ? { status: 'revoked' } : { status: 'failed', error: revoked.failure.message };
    if (!revoked.ok) {
      runtime.logger.warn(
        { account_id: row.id, platform: row.platform, revoke: revoked.failure },
        'revoking at the platform failed; the account is disconnected anyway',
      );
    }
  }
  const gone = await runtime.db.transaction().execute(async (trx) => {
    // The hosted product's view of the account is made while it still exists.
    const hosted = await renderHosted(trx, 'account.disconnected', { account: view });
    const deleted = await trx
      .deleteFrom('accounts')
      .where('id', '=', row.id)
      .where('team_id', '=', teamId)
      .returning('id')
      .executeTakeFirst();
    if (!deleted) return false;
    if (row.target_id) {
      await trx
        .updateTable('targets')
        .set({ access_token_enc: null, access_expires_at: null, updated_at: runtime.now() })
        .where('id', '=', row.target_id)
        .execute();
    }
    // The grant (and its targets, by cascade) goes once no account needs it, whatever was decided above.
    await trx
      .deleteFrom('grants')
      .where('id', '=', row.grant_id)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('accounts').select('id').where('grant_id', '=', row.grant_id))),
      )
      .execute();
    await emitEvent(
      trx,
      teamId,
      'account.disconnected',
      { account: view, platform_revoke: revoke },
      { hosted },
    );
    return true;
  });
  return gone ? { revoke } : undefined;
}
