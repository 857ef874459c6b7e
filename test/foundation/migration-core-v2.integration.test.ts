/**
 * Upgrading a database from before Core v2: each account's target is made from it, its own token moves to
 * the target unchanged (same ciphertext, same encryption context) and still decrypts; grants keep theirs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { grantTokens, targetTokenContext } from '../../src/accounts/tokens.ts';
import { generateKeySpec, parseKeyRing } from '../../src/crypto/keyring.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { BACKENDS, openTestStorage } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`migration 003-core-v2 on existing data (${backend})`, () => {
    test('accounts become targets; Page tokens move with their encryption context; grant tokens still decrypt', async () => {
      const storage = await openTestStorage(backend);
      const keyring = parseKeyRing(generateKeySpec('mig'));
      try {
        assert.deepEqual(await migrate(storage.db as never, '002-connect'), [
          '001-foundation',
          '002-connect',
        ]);
        const db = storage.db;
        const run = (q: ReturnType<typeof sql>) => q.execute(db);
        await run(sql`insert into organizations (id, name) values ('org_1', 'Org')`);
        await run(
          sql`insert into teams (id, organization_id, name, updated_at) values ('team_1', 'org_1', 'T', now())`,
        );
        // The contexts the code before Core v2 used.
        const grantAccess = keyring.encrypt('user-token', 'grant:team_1:facebook:u1:access');
        const pageToken = keyring.encrypt('page-token', 'account:team_1:facebook:page-9');
        await run(sql`insert into grants (id, team_id, platform, subject, access_token_enc, scopes, updated_at)
          values ('grt_01', 'team_1', 'facebook', 'u1', ${grantAccess}, '["pages_show_list"]', now())`);
        await run(sql`insert into accounts (id, team_id, grant_id, platform, external_id, target_type, display_name,
          access_token_enc, metadata, connected_at, updated_at)
          values ('acc_01ABC', 'team_1', 'grt_01', 'facebook', 'page-9', 'page', 'My Page', ${pageToken},
          '{"customer_id":"42"}', now(), now())`);

        assert.deepEqual(await migrate(storage.db as never, '003-core-v2'), ['003-core-v2']);
        const target = await db.selectFrom('targets').selectAll().executeTakeFirstOrThrow();
        assert.equal(target.external_id, 'page-9');
        assert.equal(target.grant_id, 'grt_01');
        assert.equal(target.status, 'available');
        assert.equal(keyring.decrypt(target.access_token_enc!, targetTokenContext(target)), 'page-token');
        const account = await db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
        assert.equal(account.target_id, target.id);
        assert.equal(account.activation, 'each');
        assert.deepEqual(account.metadata, { customer_id: '42' });
        const grant = await db.selectFrom('grants').selectAll().executeTakeFirstOrThrow();
        assert.equal(grant.instance, '');
        assert.equal(grantTokens(keyring, grant).accessToken, 'user-token');
      } finally {
        await storage.close();
      }
    });
  });
}
