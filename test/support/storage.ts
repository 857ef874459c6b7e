/**
 * Test databases. Every storage test runs on both backends: an in-memory PGlite, and PostgreSQL in a schema
 * of its own that is dropped afterwards. Which PostgreSQL: the one `npm test` picked for the whole run
 * (`PORTICO_TEST_DATABASE_URL`, set by `run-tests.ts`), else one picked for this process (`postgres.ts`).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openStorage, type Storage } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { findTestPostgres } from './postgres.ts';

export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

let postgres: Promise<string> | undefined;

/** The PostgreSQL URL of this run (picked once per process when not run through `npm test`). */
export function postgresUrl(): Promise<string> {
  postgres ??= process.env.PORTICO_TEST_DATABASE_URL
    ? Promise.resolve(process.env.PORTICO_TEST_DATABASE_URL)
    : findTestPostgres().then((found) => {
        if (found.embedded) console.error(`test database: ${found.description}`);
        found.detach();
        return found.url;
      });
  return postgres;
}

/** A fresh, empty database (not yet migrated) on the given backend. */
export async function openTestStorage(backend: Backend): Promise<Storage> {
  if (backend === 'pglite') return openStorage({ kind: 'pglite' });
  const url = await postgresUrl();
  const schema = `portico_test_${randomBytes(6).toString('hex')}`;
  const admin = await openStorage({ kind: 'postgres', url, poolSize: 1 });
  await sql.raw(`create schema ${schema}`).execute(admin.db);
  await admin.close();
  const storage = await openStorage({ kind: 'postgres', url, schema, poolSize: 5 });
  return {
    ...storage,
    async close() {
      await sql.raw(`drop schema ${schema} cascade`).execute(storage.db);
      await storage.close();
    },
  };
}

/** A migrated test database. */
export async function openMigratedStorage(backend: Backend): Promise<Storage> {
  const storage = await openTestStorage(backend);
  await migrate(storage.db as never);
  return storage;
}
