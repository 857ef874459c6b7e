/**
 * The hosted product's rendering of an event (`payload_style: hosted`): its envelope `{type, data}` with its
 * event names and objects: the social account (the team's hosted, one-per-platform account, with its
 * channels) or the team. Accounts of the headless surface are not that product's objects: no rendering.
 */
import { socialAccountOf } from '../accounts/social-account.ts';
import { availableTargets } from '../accounts/targets.ts';
import { findPlatform } from '../platforms/registry.ts';
import type { Db } from '../storage/db.ts';
import { hostedTeamView } from '../teams/teams.ts';
import { type EventType, hostedEventOf } from './catalog.ts';

export interface HostedRendering {
  type: string;
  data: unknown;
}

export async function renderHosted(
  db: Db,
  type: EventType,
  payload: Record<string, unknown>,
): Promise<HostedRendering | null> {
  const hostedType = hostedEventOf(type);
  if (!hostedType) return null;
  if (hostedType === 'ping') return { type: 'ping', data: payload };
  if (hostedType.startsWith('team.')) {
    const team = await db
      .selectFrom('teams')
      .selectAll()
      .where('id', '=', (payload.team as { id: string }).id)
      .executeTakeFirst();
    if (!team) return null;
    const view = hostedTeamView(team);
    return {
      type: hostedType,
      data: hostedType === 'team.deleted' ? { ...view, deletedAt: new Date().toISOString() } : view,
    };
  }
  const accountId = (payload.account as { id?: string } | undefined)?.id;
  if (!accountId) return null;
  const account = await db
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', accountId)
    .where('activation', '=', 'single')
    .executeTakeFirst();
  const module = account && findPlatform(account.platform);
  if (!account || !module) return null;
  const grant = await db
    .selectFrom('grants')
    .selectAll()
    .where('id', '=', account.grant_id)
    .executeTakeFirstOrThrow();
  const view = socialAccountOf(module, account, grant, await availableTargets(db, grant.id));
  return {
    type: hostedType,
    data: hostedType === 'social-account.deleted' ? { ...view, deletedAt: new Date().toISOString() } : view,
  };
}
