/**
 * Stores what a successful authorization gave us, in one transaction: the grant (encrypted tokens, the
 * authorizing user, when to refresh), every target it can publish to, the accounts the session's surface
 * activates (the same account again when it already exists: same id, never a duplicate), the session's
 * outcome, and an `account.connected` event per account (`account.reconnected` for the account a
 * reconnect session revives).
 */
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import { syncTargets } from '../accounts/targets.ts';
import { grantTokenContext } from '../accounts/tokens.ts';
import { type AccountView, accountView } from '../accounts/views.ts';
import { renderHosted } from '../events/hosted.ts';
import { emitEvent } from '../events/outbox.ts';
import type { Authorized, PlatformModule } from '../platforms/types.ts';
import { nextRefreshAt, schedulePolicy } from '../refresh/schedule.ts';
import type { Runtime } from '../runtime.ts';
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';
import type { Account, ConnectSession, Database, Grant, TargetRow } from '../storage/schema.ts';

export interface Connection extends Authorized {
  session: ConnectSession;
  module: PlatformModule;
}

export async function saveConnection(runtime: Runtime, c: Connection): Promise<AccountView[]> {
  const now = runtime.now();
  return runtime.db.transaction().execute(async (trx) => {
    const grant = await upsertGrant(trx, runtime, c, now);
    const targets = await syncTargets(trx, runtime.keyring, grant, c.targets, now);
    const accounts =
      c.session.surface === 'headless'
        ? await activateEach(trx, c.session, grant, targets, now)
        : [await activateSingle(trx, c, grant, targets, now)];
    const views = accounts.map((a) =>
      accountView(
        a,
        grant,
        targets.find((t) => t.id === a.target_id),
      ),
    );
    for (const view of views) {
      // The account a reconnect session revives comes back, it is not connected anew.
      const type = view.id === c.session.reconnect_account_id ? 'account.reconnected' : 'account.connected';
      await emitEvent(trx, grant.team_id, type, {
        account: view,
        connect_session_id: c.session.id,
      });
    }
    await trx
      .updateTable('connect_sessions')
      .set({ status: 'connected', account_ids: JSON.stringify(views.map((v) => v.id)), completed_at: now })
      .where('id', '=', c.session.id)
      .execute();
    return views;
  });
}

async function upsertGrant(
  trx: Transaction<Database>,
  runtime: Runtime,
  c: Connection,
  now: Date,
): Promise<Grant> {
  const key = {
    team_id: c.session.team_id,
    platform: c.module.id,
    instance: c.session.instance,
    subject: c.identity.id,
  };
  const { keyring } = runtime;
  return trx
    .insertInto('grants')
    .values({
      id: newId('grt', now.getTime()),
      ...key,
      options: JSON.stringify(c.session.options),
      subject_name: c.identity.name,
      subject_username: c.identity.username ?? null,
      subject_avatar_url: c.identity.avatarUrl ?? null,
      access_token_enc: keyring.encrypt(c.tokens.accessToken, grantTokenContext(key, 'access')),
      refresh_token_enc: c.tokens.refreshToken
        ? keyring.encrypt(c.tokens.refreshToken, grantTokenContext(key, 'refresh'))
        : null,
      access_expires_at: c.tokens.expiresAt ?? null,
      refresh_expires_at: c.tokens.refreshExpiresAt ?? null,
      scopes: JSON.stringify(c.grantedScopes),
      status: 'active',
      next_refresh_at: nextRefreshAt(
        c.module.refresh,
        c.tokens.expiresAt,
        now,
        schedulePolicy(runtime.config),
      ),
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['team_id', 'platform', 'instance', 'subject']).doUpdateSet((eb) => ({
        subject_name: eb.ref('excluded.subject_name'),
        subject_username: eb.ref('excluded.subject_username'),
        subject_avatar_url: eb.ref('excluded.subject_avatar_url'),
        access_token_enc: eb.ref('excluded.access_token_enc'),
        // A re-authorization that returns no refresh token keeps the one we have.
        refresh_token_enc: sql<string | null>`coalesce(excluded.refresh_token_enc, grants.refresh_token_enc)`,
        refresh_expires_at: sql<Date | null>`coalesce(excluded.refresh_expires_at, grants.refresh_expires_at)`,
        access_expires_at: eb.ref('excluded.access_expires_at'),
        scopes: eb.ref('excluded.scopes'),
        status: 'active',
        status_reason: null,
        next_refresh_at: eb.ref('excluded.next_refresh_at'),
        refresh_attempts: 0,
        last_refresh_error: null,
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The headless policy: every target is an account of its own, except a target the team's hosted account
 * has selected: that account is already usable on `/v1`, so it is reported (same id) and not duplicated.
 */
async function activateEach(
  trx: Transaction<Database>,
  session: ConnectSession,
  grant: Grant,
  targets: TargetRow[],
  now: Date,
): Promise<Account[]> {
  if (targets.length === 0) return [];
  const selected = await singleAccountsOf(trx, grant)
    .where(
      'external_id',
      'in',
      targets.map((t) => t.external_id),
    )
    .execute();
  const taken = new Set(selected.map((a) => a.external_id));
  const own = targets.filter((t) => !taken.has(t.external_id));
  if (own.length === 0) return selected;
  // One statement for every target: a connect's round trips are its cost.
  const accounts = await trx
    .insertInto('accounts')
    .values(
      own.map((target) => ({
        id: newId('acc', now.getTime()),
        ...targetFields(grant, target),
        activation: 'each' as const,
        metadata: JSON.stringify(session.metadata),
        connected_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['team_id', 'platform', 'instance', 'external_id'])
        .where('activation', '=', 'each')
        .doUpdateSet((eb) => ({
          grant_id: eb.ref('excluded.grant_id'),
          target_id: eb.ref('excluded.target_id'),
          target_type: eb.ref('excluded.target_type'),
          display_name: eb.ref('excluded.display_name'),
          username: eb.ref('excluded.username'),
          avatar_url: eb.ref('excluded.avatar_url'),
          status: sql<'active'>`'active'`,
          // The new connect's metadata is added to what the account already had.
          metadata: sql<string>`accounts.metadata || excluded.metadata`,
          updated_at: eb.ref('excluded.updated_at'),
        })),
    )
    .returningAll()
    .execute();
  // In the order the targets were listed.
  const order = new Map(targets.map((t, i) => [t.external_id, i]));
  return [...accounts, ...selected].sort((a, b) => order.get(a.external_id!)! - order.get(b.external_id!)!);
}

/**
 * The hosted product's policy: one account per team and platform; the same platform user connecting again
 * keeps it, another replaces it (`replaceSingle`). A platform whose user picks among
 * targets keeps the previous selection if the new grant still has it, else nothing is selected until
 * `selectTarget`; a platform with one target has it selected at once.
 */
async function activateSingle(
  trx: Transaction<Database>,
  c: Connection,
  grant: Grant,
  targets: TargetRow[],
  now: Date,
): Promise<Account> {
  let existing = await singleAccountsOf(trx, grant).executeTakeFirst();
  if (existing && existing.grant_id !== grant.id) {
    await replaceSingle(trx, c, existing);
    existing = undefined;
  }
  const kept = existing?.external_id
    ? targets.find((t) => t.external_id === existing.external_id)
    : undefined;
  let selected = kept ?? (!c.module.targets.userPicks && targets.length === 1 ? targets[0] : undefined);
  // A target is activated once: one that is already a headless account stays that account, and this one
  // waits with nothing selected (docs/hosted-api.md, "Both surfaces").
  if (selected && !kept && (await isHeadlessAccount(trx, grant, selected.external_id))) selected = undefined;
  const fields = selected
    ? targetFields(grant, selected)
    : grantFields(grant, targets[0]?.target_type ?? 'profile');
  if (existing) {
    return trx
      .updateTable('accounts')
      .set({
        ...fields,
        status: 'active',
        metadata: JSON.stringify({ ...existing.metadata, ...c.session.metadata }),
        updated_at: now,
      })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  return trx
    .insertInto('accounts')
    .values({
      id: newId('acc', now.getTime()),
      ...fields,
      activation: 'single',
      metadata: JSON.stringify(c.session.metadata),
      connected_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Another platform user connected the team's hosted account: the old account is disconnected (deleted,
 * with `account.disconnected`) and the new user's is made. The old authorization goes with it when no
 * other account uses it; it is not revoked at the platform (a platform call has no place in this
 * transaction), which the event says.
 */
async function replaceSingle(trx: Transaction<Database>, c: Connection, old: Account): Promise<void> {
  const oldGrant = await trx
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', old.grant_id)
    .executeTakeFirstOrThrow();
  const view = accountView(old, oldGrant);
  // The hosted product's view of the old account is made while it still exists.
  const hosted = await renderHosted(trx, 'account.disconnected', { account: view });
  await trx.deleteFrom('accounts').where('id', '=', old.id).execute();
  await trx
    .deleteFrom('grants')
    .where('id', '=', oldGrant.id)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('accounts').select('id').where('grant_id', '=', oldGrant.id))),
    )
    .execute();
  await emitEvent(
    trx,
    old.team_id,
    'account.disconnected',
    {
      account: view,
      platform_revoke: { status: 'skipped', reason: 'replaced by another platform user' },
      connect_session_id: c.session.id,
    },
    { hosted },
  );
}

/** Whether the team has the target as a headless (`each`) account already. */
export async function isHeadlessAccount(
  db: Transaction<Database> | Db,
  grant: Pick<Grant, 'team_id' | 'platform' | 'instance'>,
  externalId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('team_id', '=', grant.team_id)
    .where('platform', '=', grant.platform)
    .where('instance', '=', grant.instance)
    .where('activation', '=', 'each')
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return row !== undefined;
}

/** An account's columns when it publishes to `target`. */
export function targetFields(grant: Grant, target: TargetRow) {
  return {
    team_id: grant.team_id,
    grant_id: grant.id,
    platform: grant.platform,
    instance: grant.instance,
    target_id: target.id,
    external_id: target.external_id,
    target_type: target.target_type,
    display_name: target.display_name,
    username: target.username,
    avatar_url: target.avatar_url,
  };
}

/** A `single` account's columns while nothing is selected: it shows the user who authorized. */
export function grantFields(grant: Grant, targetType: string) {
  return {
    team_id: grant.team_id,
    grant_id: grant.id,
    platform: grant.platform,
    instance: grant.instance,
    target_id: null,
    external_id: null,
    target_type: targetType,
    display_name: grant.subject_name,
    username: grant.subject_username,
    avatar_url: grant.subject_avatar_url,
  };
}

/** The team's hosted (`single`) accounts on the grant's platform and instance: at most one. */
function singleAccountsOf(trx: Transaction<Database>, grant: Grant) {
  return trx
    .selectFrom('accounts')
    .selectAll()
    .where('team_id', '=', grant.team_id)
    .where('platform', '=', grant.platform)
    .where('instance', '=', grant.instance)
    .where('activation', '=', 'single');
}
