/**
 * Targets: what a grant can publish to, stored whether or not an account uses it. A new listing upserts
 * what it found and marks what it no longer has as gone; accounts on a gone target stop being active,
 * so they never hand out a token for something the grant no longer covers.
 */
import type { Transaction } from 'kysely';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Target } from '../platforms/types.ts';
import { newId } from '../storage/ids.ts';
import type { Database, Grant, TargetRow } from '../storage/schema.ts';
import { targetTokenContext } from './tokens.ts';

export async function syncTargets(
  trx: Transaction<Database>,
  keyring: KeyRing,
  grant: Grant,
  targets: readonly Target[],
  now: Date,
): Promise<TargetRow[]> {
  const rows: TargetRow[] = [];
  for (const target of targets) {
    const key = {
      team_id: grant.team_id,
      platform: grant.platform,
      instance: grant.instance,
      external_id: target.externalId,
    };
    const row = await trx
      .insertInto('targets')
      .values({
        id: newId('tgt', now.getTime()),
        grant_id: grant.id,
        ...key,
        target_type: target.type,
        display_name: target.name,
        username: target.username ?? null,
        avatar_url: target.avatarUrl ?? null,
        access_token_enc: target.accessToken
          ? keyring.encrypt(target.accessToken, targetTokenContext(key))
          : null,
        access_expires_at: target.expiresAt ?? null,
        status: 'available',
        found_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['grant_id', 'external_id']).doUpdateSet((eb) => ({
          target_type: eb.ref('excluded.target_type'),
          display_name: eb.ref('excluded.display_name'),
          username: eb.ref('excluded.username'),
          avatar_url: eb.ref('excluded.avatar_url'),
          access_token_enc: eb.ref('excluded.access_token_enc'),
          access_expires_at: eb.ref('excluded.access_expires_at'),
          status: 'available',
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    rows.push(row);
  }
  const found = rows.map((r) => r.id);
  let gone = trx
    .updateTable('targets')
    .set({ status: 'gone', access_token_enc: null, updated_at: now })
    .where('grant_id', '=', grant.id)
    .where('status', '=', 'available');
  if (found.length > 0) gone = gone.where('id', 'not in', found);
  const goneRows = await gone.returning('id').execute();
  if (goneRows.length > 0) {
    await trx
      .updateTable('accounts')
      .set({ status: 'unavailable', updated_at: now })
      .where(
        'target_id',
        'in',
        goneRows.map((r) => r.id),
      )
      .where('status', '=', 'active')
      .execute();
  }
  return rows;
}

/** A grant's targets that are still there, in the order they were found. */
export function availableTargets(
  trx: Transaction<Database> | import('../storage/db.ts').Db,
  grantId: string,
) {
  return trx
    .selectFrom('targets')
    .selectAll()
    .where('grant_id', '=', grantId)
    .where('status', '=', 'available')
    .orderBy('id')
    .execute();
}
