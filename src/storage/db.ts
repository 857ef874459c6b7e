/**
 * Opens the database: PostgreSQL when `DATABASE_URL` is set, otherwise the embedded PGlite in the data folder.
 * Both are driven through Kysely's PostgreSQL dialect, with the same migrations. Only one process at a time
 * may open a data folder (`data-lock.ts`).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { acquireDataLock, type DataLock } from './data-lock.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export type StorageTarget =
  | { kind: 'postgres'; url: string; schema?: string; poolSize?: number }
  | { kind: 'pglite'; dataDir?: string /* undefined: in memory */ };

export interface Storage {
  db: Db;
  kind: StorageTarget['kind'];
  ping(): Promise<void>;
  close(): Promise<void>;
}

// timestamptz and jsonb come back as Date and objects from both drivers; int8 stays out of the schema.
export async function openStorage(target: StorageTarget): Promise<Storage> {
  let db: Db;
  let lock: DataLock | undefined;
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    let dataDir: string | undefined;
    if (target.dataDir) {
      lock = await acquireDataLock(target.dataDir);
      dataDir = path.join(target.dataDir, 'pgdata');
      await mkdir(dataDir, { recursive: true });
    }
    // One embedded connection; Kysely's PGlite driver runs transactions through PGlite's own lock.
    const pglite = new PGlite(dataDir);
    try {
      await pglite.waitReady;
    } catch (error) {
      await lock?.release();
      throw error;
    }
    db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  }
  return {
    db,
    kind: target.kind,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      try {
        await db.destroy();
      } finally {
        await lock?.release();
      }
    },
  };
}
