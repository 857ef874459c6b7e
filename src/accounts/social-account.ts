/**
 * The hosted product's "social account": one per (team, platform), which is the team's `single` account
 * (the hosted activation policy, `connect/save.ts`) with its grant and the grant's targets as channels.
 * The same row is an account on `/v1` with the same id once a target is selected. Never a token.
 */
import { findPlatform } from '../platforms/registry.ts';
import type { PlatformModule } from '../platforms/types.ts';
import type { Db } from '../storage/db.ts';
import type { Account, Grant, TargetRow } from '../storage/schema.ts';
import { availableTargets } from './targets.ts';

export interface Channel {
  id: string;
  name: string;
  username: string | null;
  avatarUrl: string | null;
}

export interface SocialAccountView {
  id: string;
  type: string;
  teamId: string;
  username: string | null;
  displayName: string | null;
  bio: null;
  avatarUrl: string | null;
  /** The selected channel's id; null until one is selected. */
  externalId: string | null;
  userUsername: string | null;
  userDisplayName: string | null;
  userEmail: null;
  userId: string;
  channels: Channel[];
  instagramConnectionMethod: null;
  mastodonServerId: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: null;
}

/** The team's `single` account for a platform, with its grant; undefined when the team has none. */
export async function findSocialAccount(
  db: Db,
  teamId: string,
  module: PlatformModule,
): Promise<{ account: Account; grant: Grant } | undefined> {
  // One per (team, platform, instance): a platform with instances (Mastodon servers) shows the latest.
  const account = await db
    .selectFrom('accounts')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('platform', '=', module.id)
    .where('activation', '=', 'single')
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!account) return undefined;
  const grant = await db
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', account.grant_id)
    .executeTakeFirstOrThrow();
  return { account, grant };
}

export async function socialAccountView(
  db: Db,
  module: PlatformModule,
  found: { account: Account; grant: Grant },
): Promise<SocialAccountView> {
  const targets = await availableTargets(db, found.grant.id);
  return socialAccountOf(module, found.account, found.grant, targets);
}

export function socialAccountOf(
  module: PlatformModule,
  account: Account,
  grant: Grant,
  targets: readonly TargetRow[],
): SocialAccountView {
  return {
    id: account.id,
    type: module.hosted.type,
    teamId: account.team_id,
    username: account.username,
    displayName: account.display_name,
    bio: null,
    avatarUrl: account.avatar_url,
    externalId: account.external_id,
    userUsername: grant.subject_username,
    userDisplayName: grant.subject_name,
    userEmail: null,
    userId: grant.subject,
    channels: targets.map((t) => ({
      id: t.external_id,
      name: t.display_name,
      username: t.username,
      avatarUrl: t.avatar_url,
    })),
    instagramConnectionMethod: null,
    mastodonServerId: module.hosted.instanceField === 'mastodonServerId' ? grant.instance || null : null,
    createdAt: account.connected_at.toISOString(),
    updatedAt: account.updated_at.toISOString(),
    deletedAt: null,
  };
}

/** Every social account of a team (its `single` accounts), with their channels, by type. */
export async function teamSocialAccounts(db: Db, teamId: string): Promise<SocialAccountView[]> {
  const accounts = await db
    .selectFrom('accounts')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('activation', '=', 'single')
    .orderBy('id')
    .execute();
  const views: SocialAccountView[] = [];
  for (const account of accounts) {
    const module = findPlatform(account.platform);
    if (!module) continue;
    const grant = await db
      .selectFrom('grants')
      .selectAll()
      .where('id', '=', account.grant_id)
      .executeTakeFirstOrThrow();
    views.push(await socialAccountView(db, module, { account, grant }));
  }
  return views;
}
