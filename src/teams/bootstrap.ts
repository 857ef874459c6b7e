/** First run: an empty database gets a default organization, team and admin key, exactly once. */
import { sql } from 'kysely';
import { createApiKey } from '../apikeys/keys.ts';
import type { Mode } from '../config/config.ts';
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';
import { createTeam } from './teams.ts';

export interface Bootstrapped {
  organizationId: string;
  teamId: string;
  /** The admin key, to be shown once. */
  adminKey: string;
}

/** Creates the defaults when there is no organization yet; undefined when there already is one. */
export async function bootstrapIfEmpty(db: Db, mode: Mode): Promise<Bootstrapped | undefined> {
  return db.transaction().execute(async (trx) => {
    // Two processes starting at once on one PostgreSQL must not both bootstrap.
    await sql`select pg_advisory_xact_lock(7001)`.execute(trx);
    const existing = await trx.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
    if (existing) return undefined;
    const organizationId = newId('org');
    await trx
      .insertInto('organizations')
      .values({ id: organizationId, name: 'Default organization' })
      .execute();
    const team = await createTeam(trx, organizationId, { name: 'Default team' });
    const { key } = await createApiKey(trx, {
      organizationId,
      name: 'First admin key',
      scopes: ['admin'],
      mode,
    });
    return { organizationId, teamId: team.id, adminKey: key };
  });
}
