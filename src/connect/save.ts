/**
 * Stores what a successful authorization gave us, in one transaction: one encrypted grant, one account
 * per target (updated in place when already connected: same id, never a duplicate), the session's
 * outcome, and an `account.connected` event per account.
 */
import { sql } from 'kysely';
import { type AccountView, accountView } from '../accounts/views.ts';
import { emitEvent } from '../events/outbox.ts';
import type { Identity, PlatformModule, Target, TokenSet } from '../platforms/types.ts';
import type { Runtime } from '../runtime.ts';
import { newId } from '../storage/ids.ts';
import type { ConnectSession } from '../storage/schema.ts';

/** Associated data binding each ciphertext to its row's natural key: a token moved to another row fails to decrypt. */
export const grantTokenContext = (
  teamId: string,
  platform: string,
  subject: string,
  kind: 'access' | 'refresh',
) => `grant:${teamId}:${platform}:${subject}:${kind}`;
export const accountTokenContext = (teamId: string, platform: string, externalId: string) =>
  `account:${teamId}:${platform}:${externalId}`;

export interface Connection {
  session: ConnectSession;
  platform: PlatformModule;
  tokens: TokenSet;
  grantedScopes: string[];
  identity: Identity;
  targets: Target[];
}

export async function saveConnection(runtime: Runtime, c: Connection): Promise<AccountView[]> {
  const { keyring } = runtime;
  const now = runtime.now();
  const team = c.session.team_id;
  const platform = c.platform.id;
  return runtime.db.transaction().execute(async (trx) => {
    const grant = await trx
      .insertInto('grants')
      .values({
        id: newId('grt', now.getTime()),
        team_id: team,
        platform,
        subject: c.identity.id,
        access_token_enc: keyring.encrypt(
          c.tokens.accessToken,
          grantTokenContext(team, platform, c.identity.id, 'access'),
        ),
        refresh_token_enc: c.tokens.refreshToken
          ? keyring.encrypt(
              c.tokens.refreshToken,
              grantTokenContext(team, platform, c.identity.id, 'refresh'),
            )
          : null,
        access_expires_at: c.tokens.expiresAt ?? null,
        refresh_expires_at: c.tokens.refreshExpiresAt ?? null,
        scopes: JSON.stringify(c.grantedScopes),
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['team_id', 'platform', 'subject']).doUpdateSet((eb) => ({
          access_token_enc: eb.ref('excluded.access_token_enc'),
          // A re-authorization that returns no refresh token keeps the one we have.
          refresh_token_enc: sql<
            string | null
          >`coalesce(excluded.refresh_token_enc, grants.refresh_token_enc)`,
          refresh_expires_at: sql<Date | null>`coalesce(excluded.refresh_expires_at, grants.refresh_expires_at)`,
          access_expires_at: eb.ref('excluded.access_expires_at'),
          scopes: eb.ref('excluded.scopes'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();

    const views: AccountView[] = [];
    for (const target of c.targets) {
      const account = await trx
        .insertInto('accounts')
        .values({
          id: newId('acc', now.getTime()),
          team_id: team,
          grant_id: grant.id,
          platform,
          external_id: target.externalId,
          target_type: target.type,
          display_name: target.name,
          username: target.username ?? null,
          avatar_url: target.avatarUrl ?? null,
          access_token_enc: target.accessToken
            ? keyring.encrypt(target.accessToken, accountTokenContext(team, platform, target.externalId))
            : null,
          access_expires_at: target.expiresAt ?? null,
          metadata: JSON.stringify(c.session.metadata),
          connected_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['team_id', 'platform', 'external_id']).doUpdateSet((eb) => ({
            grant_id: eb.ref('excluded.grant_id'),
            target_type: eb.ref('excluded.target_type'),
            display_name: eb.ref('excluded.display_name'),
            username: eb.ref('excluded.username'),
            avatar_url: eb.ref('excluded.avatar_url'),
            access_token_enc: eb.ref('excluded.access_token_enc'),
            access_expires_at: eb.ref('excluded.access_expires_at'),
            status: sql<'active'>`'active'`,
            // The new connect's metadata is added to what the account already had.
            metadata: sql<string>`accounts.metadata || excluded.metadata`,
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      const view = accountView(account, grant);
      views.push(view);
      await emitEvent(trx, team, 'account.connected', { account: view, connect_session_id: c.session.id });
    }

    await trx
      .updateTable('connect_sessions')
      .set({ status: 'connected', account_ids: JSON.stringify(views.map((v) => v.id)), completed_at: now })
      .where('id', '=', c.session.id)
      .execute();
    return views;
  });
}
