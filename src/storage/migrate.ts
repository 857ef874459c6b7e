/** Runs the migrations, in order, once each. The same list serves PostgreSQL and PGlite. */
import { type Kysely, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import * as foundation from './migrations/001-foundation.ts';
import * as connect from './migrations/002-connect.ts';
import * as coreV2 from './migrations/003-core-v2.ts';
import * as teamAvatar from './migrations/004-team-avatar.ts';
import * as webhooks from './migrations/005-webhooks.ts';
import * as portal from './migrations/006-portal.ts';

const steps: Record<string, { statements: string[] }> = {
  '001-foundation': foundation,
  '002-connect': connect,
  '003-core-v2': coreV2,
  '004-team-avatar': teamAvatar,
  '005-webhooks': webhooks,
  '006-portal': portal,
};

function asMigration(step: { statements: string[] }): Migration {
  return {
    async up(db) {
      for (const statement of step.statements) await sql.raw(statement).execute(db);
    },
  };
}

/** Applies every migration, or those up to and including `to` (tests of a migration's data step). */
export async function migrate(db: Kysely<never>, to?: string): Promise<string[]> {
  const migrations = Object.fromEntries(
    Object.entries(steps).map(([name, step]) => [name, asMigration(step)]),
  );
  // Kysely looks for its bookkeeping tables in every schema unless told which: name ours, so databases
  // holding several Portico schemas (tests, shared clusters) never see each other's migration state.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: rows[0]?.schema ?? 'public',
  });
  const { error, results } = to ? await migrator.migrateTo(to) : await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
