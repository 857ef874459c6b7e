import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openStorage } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { bootstrapIfEmpty } from '../../src/teams/bootstrap.ts';
import { BACKENDS, openTestStorage } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`storage (${backend})`, () => {
    test('migrations apply once; a second run applies nothing', async () => {
      const storage = await openTestStorage(backend);
      try {
        assert.deepEqual(await migrate(storage.db as never), [
          '001-foundation',
          '002-connect',
          '003-core-v2',
          '004-team-avatar',
          '005-webhooks',
          '006-portal',
        ]);
        assert.deepEqual(await migrate(storage.db as never), []);
      } finally {
        await storage.close();
      }
    });

    test('first run bootstraps exactly once', async () => {
      const storage = await openTestStorage(backend);
      try {
        await migrate(storage.db as never);
        const first = await bootstrapIfEmpty(storage.db, 'sandbox');
        assert.ok(first);
        assert.equal(await bootstrapIfEmpty(storage.db, 'sandbox'), undefined);
        const teams = await storage.db.selectFrom('teams').select('id').execute();
        assert.deepEqual(
          teams.map((t) => t.id),
          [first.teamId],
        );
      } finally {
        await storage.close();
      }
    });

    test('a transaction holds its writes back until commit and drops them on rollback', async () => {
      const storage = await openTestStorage(backend);
      try {
        await migrate(storage.db as never);
        await assert.rejects(
          storage.db.transaction().execute(async (trx) => {
            await trx.insertInto('organizations').values({ id: 'org_rolled_back', name: 'x' }).execute();
            throw new Error('abort');
          }),
        );
        const rows = await storage.db.selectFrom('organizations').select('id').execute();
        assert.equal(rows.length, 0);
      } finally {
        await storage.close();
      }
    });
  });
}

describe('embedded database', () => {
  test('PGlite keeps its data in the data folder across restarts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'portico-data-'));
    try {
      const first = await openStorage({ kind: 'pglite', dataDir: dir });
      await migrate(first.db as never);
      await first.db.insertInto('organizations').values({ id: 'org_kept', name: 'Kept' }).execute();
      await first.close();
      const second = await openStorage({ kind: 'pglite', dataDir: dir });
      const row = await second.db.selectFrom('organizations').selectAll().executeTakeFirst();
      assert.equal(row?.name, 'Kept');
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
