/**
 * Teams: the `teamId` of the hosted-portal API and the workspace of the headless API. Creating, changing
 * and deleting one emits `team.created|updated|deleted` in the same transaction.
 */
import { emitEvent } from '../events/outbox.ts';
import type { Db } from '../storage/db.ts';
import { isId, newId } from '../storage/ids.ts';
import { pageOf } from '../storage/paging.ts';
import type { Team } from '../storage/schema.ts';

export interface TeamView {
  id: string;
  name: string;
  allowed_origins: string[];
  headless_connect: boolean;
  created_at: string;
  updated_at: string;
}

export interface TeamChanges {
  name?: string;
  avatar_url?: string | null;
  allowed_origins?: string[];
  headless_connect?: boolean;
}

export async function createTeam(db: Db, organizationId: string, input: TeamChanges & { name: string }) {
  const now = new Date();
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('teams')
      .values({
        id: newId('team'),
        organization_id: organizationId,
        name: input.name,
        avatar_url: input.avatar_url ?? null,
        allowed_origins: JSON.stringify(input.allowed_origins ?? []),
        headless_connect: input.headless_connect ?? true,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const view = teamView(row);
    await emitEvent(trx, row.id, 'team.created', { team: view });
    return view;
  });
}

/** Runs `work` in a transaction: the caller's when it is in one, else a new one. */
function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/** Teams an API key may see: all of its organization's, or just the one it is limited to. */
export interface TeamScope {
  organizationId: string;
  teamId: string | null;
}

export async function listTeams(db: Db, scope: TeamScope, page: { limit: number; after?: string }) {
  let query = db.selectFrom('teams').selectAll().where('organization_id', '=', scope.organizationId);
  if (scope.teamId) query = query.where('id', '=', scope.teamId);
  if (page.after) query = query.where('id', '>', page.after);
  const rows = await query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  return pageOf(rows, page.limit, teamView);
}

/** A team the scope may see; undefined for any other, and, without a query, for what cannot be a team id. */
export async function findTeam(db: Db, scope: TeamScope, id: string): Promise<Team | undefined> {
  if (scope.teamId !== null && scope.teamId !== id) return undefined;
  if (!isId('team', id)) return undefined;
  return db
    .selectFrom('teams')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', scope.organizationId)
    .executeTakeFirst();
}

/** The team an organization-wide key works in when it names none: the organization's oldest. */
export async function defaultTeam(db: Db, organizationId: string): Promise<Team | undefined> {
  return db
    .selectFrom('teams')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

export async function updateTeam(db: Db, scope: TeamScope, id: string, changes: TeamChanges) {
  if (scope.teamId && scope.teamId !== id) return undefined;
  return inTransaction(db, async (trx) => {
    const row = await trx
      .updateTable('teams')
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.avatar_url !== undefined ? { avatar_url: changes.avatar_url } : {}),
        ...(changes.allowed_origins !== undefined
          ? { allowed_origins: JSON.stringify(changes.allowed_origins) }
          : {}),
        ...(changes.headless_connect !== undefined ? { headless_connect: changes.headless_connect } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('organization_id', '=', scope.organizationId)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    const view = teamView(row);
    await emitEvent(trx, row.id, 'team.updated', { team: view });
    return view;
  });
}

/** The hosted product's team list: by creation, `offset`/`limit`, names containing `search`, and the total. */
export async function searchTeams(
  db: Db,
  scope: TeamScope,
  page: { offset: number; limit: number; search?: string | undefined },
): Promise<{ rows: Team[]; total: number }> {
  let query = db.selectFrom('teams').where('organization_id', '=', scope.organizationId);
  if (scope.teamId) query = query.where('id', '=', scope.teamId);
  if (page.search) {
    const escaped = page.search.replace(/[\\%_]/g, (c) => `\\${c}`);
    query = query.where('name', 'ilike', `%${escaped}%`);
  }
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('id').offset(page.offset).limit(page.limit).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export async function findOrganization(db: Db, id: string) {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/**
 * Deletes a team and, by cascade, everything in it (accounts, grants, sessions, team-limited keys, its own
 * webhook endpoints). `team.deleted` is emitted first, while the team still names its organization; its
 * organization-wide endpoints receive it.
 */
export async function deleteTeam(db: Db, organizationId: string, id: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const team = await trx
      .selectFrom('teams')
      .selectAll()
      .where('id', '=', id)
      .where('organization_id', '=', organizationId)
      .forUpdate()
      .executeTakeFirst();
    if (!team) return false;
    await emitEvent(trx, team.id, 'team.deleted', { team: teamView(team) });
    await trx.deleteFrom('teams').where('id', '=', id).execute();
    return true;
  });
}

export function teamView(row: Team): TeamView {
  return {
    id: row.id,
    name: row.name,
    allowed_origins: row.allowed_origins,
    headless_connect: row.headless_connect,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The hosted product's team object (its API's and its webhooks' `data`). */
export function hostedTeamView(team: Team) {
  return {
    id: team.id,
    name: team.name,
    avatarUrl: team.avatar_url,
    organizationId: team.organization_id,
    createdById: '',
    createdAt: team.created_at.toISOString(),
    updatedAt: team.updated_at.toISOString(),
    deletedAt: null,
  };
}
