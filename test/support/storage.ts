/**
 * Test databases. Every storage test runs on both backends: an in-memory PGlite, and PostgreSQL
 * (`DATABASE_URL`, default 127.0.0.1:5432/test) in a schema of its own that is dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openStorage, type Storage } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';

export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, empty database (not yet migrated) on the given backend. */
export async function openTestStorage(backend: Backend): Promise<Storage> {
  if (backend === 'pglite') return openStorage({ kind: 'pglite' });
  const schema = `portico_test_${randomBytes(6).toString('hex')}`;
  const admin = await openStorage({ kind: 'postgres', url: POSTGRES_URL, poolSize: 1 });
  await sql.raw(`create schema ${schema}`).execute(admin.db);
  await admin.close();
  const storage = await openStorage({ kind: 'postgres', url: POSTGRES_URL, schema, poolSize: 5 });
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
