/**
 * A link that re-authorizes an existing account: a headless connect session that carries the account, so
 * only the same platform user can complete it (another ends in `account_mismatch`, the account untouched),
 * and the same account comes back with new tokens and its metadata kept.
 */
import { startConnect, type StartedConnect } from '../connect/start.ts';
import { ApiError } from '../errors/catalog.ts';
import { failure, type Result } from '../oauth/result.ts';
import type { Runtime } from '../runtime.ts';
import type { Team } from '../storage/schema.ts';

export async function reconnectLink(
  runtime: Runtime,
  team: Team,
  accountId: string,
  returnUrl: string | undefined,
): Promise<Result<StartedConnect, ApiError>> {
  const account = await runtime.db
    .selectFrom('accounts')
    .select(['id', 'platform'])
    .where('id', '=', accountId)
    .where('team_id', '=', team.id)
    .executeTakeFirst();
  if (!account) {
    return failure(
      new ApiError('NOT_FOUND', `No account ${accountId}`, { resource: 'account', id: accountId }),
    );
  }
  return startConnect(runtime, {
    team,
    platform: account.platform,
    surface: 'headless',
    returnUrl,
    reconnectAccountId: account.id,
  });
}
