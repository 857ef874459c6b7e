/** What the API shows of an account. Never a token. */
import type { Db } from '../storage/db.ts';
import type { Account, Grant, TargetRow } from '../storage/schema.ts';

export interface AccountView {
  id: string;
  team_id: string;
  platform: string;
  target_type: string;
  /** The platform's id of the profile, Page, organization... */
  platform_account_id: string;
  display_name: string;
  username: string | null;
  avatar_url: string | null;
  status: string;
  paused: boolean;
  connected_at: string;
  updated_at: string;
  scopes: string[];
  token_expires_at: string | null;
  metadata: Record<string, string>;
}

export function accountView(
  account: Account,
  grant: Pick<Grant, 'scopes' | 'access_expires_at'>,
  target?: Pick<TargetRow, 'access_token_enc' | 'access_expires_at'> | undefined,
): AccountView {
  // An account whose target has a token of its own (a Facebook Page) lives by that token, not the grant's.
  const expiresAt = target?.access_token_enc ? target.access_expires_at : grant.access_expires_at;
  return {
    id: account.id,
    team_id: account.team_id,
    platform: account.platform,
    target_type: account.target_type,
    platform_account_id: account.external_id ?? '',
    display_name: account.display_name,
    username: account.username,
    avatar_url: account.avatar_url,
    status: account.status,
    paused: account.paused,
    connected_at: account.connected_at.toISOString(),
    updated_at: account.updated_at.toISOString(),
    scopes: grant.scopes,
    token_expires_at: expiresAt?.toISOString() ?? null,
    metadata: account.metadata,
  };
}

/**
 * The accounts `/v1` shows: those that publish to a target. A hosted (`single`) account with no channel
 * selected yet is the hosted surface's alone: no token, no listing, until `set-channel` (docs/hosted-api.md).
 */
export function usableOnV1(
  query: ReturnType<typeof accountsWithGrant>,
): ReturnType<typeof accountsWithGrant> {
  return query.where('accounts.external_id', 'is not', null);
}

/** Accounts with their grants' scopes and expiry and their target's own token expiry, for views. */
export function accountsWithGrant(db: Db) {
  return db
    .selectFrom('accounts')
    .innerJoin('grants', 'grants.id', 'accounts.grant_id')
    .leftJoin('targets', 'targets.id', 'accounts.target_id')
    .selectAll('accounts')
    .select([
      'grants.scopes as grant_scopes',
      'grants.access_expires_at as grant_expires_at',
      'targets.access_token_enc as target_token_enc',
      'targets.access_expires_at as target_expires_at',
    ]);
}

export type JoinedAccount = Account & {
  grant_scopes: string[];
  grant_expires_at: Date | null;
  target_token_enc: string | null;
  target_expires_at: Date | null;
};

export function viewOfJoined(row: JoinedAccount): AccountView {
  return accountView(
    row,
    { scopes: row.grant_scopes, access_expires_at: row.grant_expires_at },
    { access_token_enc: row.target_token_enc, access_expires_at: row.target_expires_at },
  );
}
