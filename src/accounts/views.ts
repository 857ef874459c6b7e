/** What the API shows of an account. Never a token. */
import type { Db } from '../storage/db.ts';
import type { Account, Grant } from '../storage/schema.ts';

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
): AccountView {
  // An account with a token of its own (a Facebook Page) lives by that token's expiry, not the grant's.
  const expiresAt = account.access_token_enc ? account.access_expires_at : grant.access_expires_at;
  return {
    id: account.id,
    team_id: account.team_id,
    platform: account.platform,
    target_type: account.target_type,
    platform_account_id: account.external_id,
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

/** Accounts with their grants' scopes and expiry, for views. */
export function accountsWithGrant(db: Db) {
  return db
    .selectFrom('accounts')
    .innerJoin('grants', 'grants.id', 'accounts.grant_id')
    .selectAll('accounts')
    .select(['grants.scopes as grant_scopes', 'grants.access_expires_at as grant_expires_at']);
}

export function viewOfJoined(
  row: Account & { grant_scopes: string[]; grant_expires_at: Date | null },
): AccountView {
  return accountView(row, { scopes: row.grant_scopes, access_expires_at: row.grant_expires_at });
}
