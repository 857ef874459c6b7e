/** Listing a team's accounts, filtered and paged by id. */
import { sql } from 'kysely';
import type { Db } from '../storage/db.ts';
import { type Page, pageOf } from '../storage/paging.ts';
import type { AccountStatus } from '../storage/schema.ts';
import { type AccountView, accountsWithGrant, usableOnV1, viewOfJoined } from './views.ts';

export interface AccountFilters {
  platform?: string;
  status?: AccountStatus;
  /** Every key must match: `{customer_id: '42'}`. */
  metadata?: Record<string, string>;
}

export async function listAccounts(
  db: Db,
  teamId: string,
  filters: AccountFilters,
  page: { limit: number; after?: string },
): Promise<Page<AccountView>> {
  let select = usableOnV1(accountsWithGrant(db)).where('accounts.team_id', '=', teamId);
  if (filters.platform) select = select.where('accounts.platform', '=', filters.platform);
  if (filters.status) select = select.where('accounts.status', '=', filters.status);
  for (const [key, value] of Object.entries(filters.metadata ?? {})) {
    select = select.where(sql`accounts.metadata ->> ${key}`, '=', value);
  }
  if (page.after) select = select.where('accounts.id', '>', page.after);
  const rows = await select
    .orderBy('accounts.id')
    .limit(page.limit + 1)
    .execute();
  return pageOf(rows, page.limit, viewOfJoined);
}
