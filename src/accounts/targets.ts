/**
 * Targets: what a grant can publish to, stored whether or not an account uses it. A new listing upserts
 * what it found and marks what it no longer has as gone; accounts on a gone target stop being active,
 * so they never hand out a token for something the grant no longer covers.
 */
import type { Transaction } from 'kysely';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Target } from '../platforms/types.ts';
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';
import type { Database, Grant, TargetRow } from '../storage/schema.ts';
import { targetTokenContext } from './tokens.ts';

/**
 * One statement, whatever the number of targets (a connect's round trips are its cost): upsert what was
 * found, mark the grant's other available targets gone (forgetting their tokens), and make the accounts on
 * them `unavailable`. PostgreSQL runs every data-modifying CTE once, read or not; the three touch disjoint
 * rows, as one statement must.
 */
export async function syncTargets(
  trx: Transaction<Database>,
  keyring: KeyRing,
  grant: Grant,
  targets: readonly Target[],
  now: Date,
): Promise<TargetRow[]> {
  if (targets.length === 0) {
    await markAllGone(trx, grant.id, now);
    return [];
  }
  const values = targets.map((target) => {
    const key = {
      team_id: grant.team_id,
      platform: grant.platform,
      instance: grant.instance,
      external_id: target.externalId,
    };
    return {
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
      status: 'available' as const,
      found_at: now,
      updated_at: now,
    };
  });
  const rows = await trx
    .with('found', (db) =>
      db
        .insertInto('targets')
        .values(values)
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
        .returningAll(),
    )
    .with('gone', (db) =>
      db
        .updateTable('targets')
        .set({ status: 'gone', access_token_enc: null, updated_at: now })
        .where('grant_id', '=', grant.id)
        .where('status', '=', 'available')
        .where(
          'external_id',
          'not in',
          targets.map((t) => t.externalId),
        )
        .returning('id'),
    )
    .with('lost', (db) =>
      db
        .updateTable('accounts')
        .set({ status: 'unavailable', updated_at: now })
        .where('target_id', 'in', (eb) => eb.selectFrom('gone').select('gone.id'))
        .where('status', '=', 'active')
        .returning('accounts.id'),
    )
    .selectFrom('found')
    .selectAll()
    .execute();
  // In the order they were listed: the member first, then each organization.
  const order = new Map(targets.map((t, i) => [t.externalId, i]));
  return (rows as TargetRow[]).sort((a, b) => order.get(a.external_id)! - order.get(b.external_id)!);
}

/** A listing that found nothing: every available target of the grant is gone; its accounts, unavailable. */
async function markAllGone(trx: Transaction<Database>, grantId: string, now: Date) {
  const goneRows = await trx
    .updateTable('targets')
    .set({ status: 'gone', access_token_enc: null, updated_at: now })
    .where('grant_id', '=', grantId)
    .where('status', '=', 'available')
    .returning('id')
    .execute();
  if (goneRows.length === 0) return;
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

/** A grant's targets that are still there, in the order they were found. */
export function availableTargets(db: Transaction<Database> | Db, grantId: string) {
  return db
    .selectFrom('targets')
    .selectAll()
    .where('grant_id', '=', grantId)
    .where('status', '=', 'available')
    .orderBy('id')
    .execute();
}
