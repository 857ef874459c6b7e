import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPortico, type TestPortico } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`idempotency (${backend})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startTestPortico(backend);
    });
    after(() => portico.close());

    const post = (key: string, json: unknown, header = 'Idempotency-Key') =>
      portico.api('/v1/teams', { method: 'POST', json, headers: { [header]: key } });

    test('the same key with the same body returns the stored response and creates nothing new', async () => {
      const first = await post('create-team-1', { name: 'Once' });
      assert.equal(first.status, 201);
      const firstBody = (await first.json()) as any;
      const second = await post('create-team-1', { name: 'Once' });
      assert.equal(second.status, 201);
      assert.equal(second.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(await second.json(), firstBody);
      const teams = await portico.runtime.db
        .selectFrom('teams')
        .select('id')
        .where('name', '=', 'Once')
        .execute();
      assert.equal(teams.length, 1);
    });

    test('X-Idempotency-Key is accepted too', async () => {
      const first = (await (await post('alias-1', { name: 'Alias' }, 'X-Idempotency-Key')).json()) as any;
      const second = (await (await post('alias-1', { name: 'Alias' }, 'X-Idempotency-Key')).json()) as any;
      assert.equal(second.data.id, first.data.id);
    });

    test('the same key with a different body is 409 IDEMPOTENCY_KEY_REUSED', async () => {
      await post('create-team-2', { name: 'A' });
      const res = await post('create-team-2', { name: 'B' });
      assert.equal(res.status, 409);
      assert.equal(((await res.json()) as any).error.code, 'IDEMPOTENCY_KEY_REUSED');
    });

    test('keys are per API key: another key may use the same value', async () => {
      const other = (
        (await (
          await portico.api('/v1/api-keys', { method: 'POST', json: { name: 'o', scopes: ['admin'] } })
        ).json()) as any
      ).data.key;
      await post('shared-value', { name: 'Mine' });
      const res = await portico.api('/v1/teams', {
        key: other,
        method: 'POST',
        json: { name: 'Theirs' },
        headers: { 'Idempotency-Key': 'shared-value' },
      });
      assert.equal(res.status, 201);
      assert.equal(((await res.json()) as any).data.name, 'Theirs');
    });

    test('a stored response is encrypted at rest (it can hold a new API key)', async () => {
      const res = await portico.api('/v1/api-keys', {
        method: 'POST',
        json: { name: 'idem', scopes: ['social:read'] },
        headers: { 'Idempotency-Key': 'new-key-1' },
      });
      const key = ((await res.json()) as any).data.key;
      const rows = await portico.runtime.db.selectFrom('idempotency_records').selectAll().execute();
      assert.ok(rows.length > 0);
      assert.ok(rows.every((r) => !JSON.stringify(r).includes(key)));
      const replay = await portico.api('/v1/api-keys', {
        method: 'POST',
        json: { name: 'idem', scopes: ['social:read'] },
        headers: { 'Idempotency-Key': 'new-key-1' },
      });
      assert.equal(((await replay.json()) as any).data.key, key);
    });

    test('a failed validation does not use up the key', async () => {
      const bad = await post('fix-and-retry', { name: '' });
      assert.equal(bad.status, 422);
      const good = await post('fix-and-retry', { name: 'Fixed' });
      assert.equal(good.status, 201);
    });

    test('an over-long key is refused naming the header', async () => {
      const res = await post('k'.repeat(300), { name: 'x' });
      assert.equal(res.status, 422);
      assert.equal(((await res.json()) as any).error.details.field, 'Idempotency-Key');
    });

    test('records older than 24 hours are forgotten', async () => {
      await post('old-key', { name: 'Old' });
      await portico.runtime.db
        .updateTable('idempotency_records')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('key', '=', 'old-key')
        .execute();
      const res = await post('old-key', { name: 'New' });
      assert.equal(res.status, 201);
      assert.equal(((await res.json()) as any).data.name, 'New');
    });
  });
}
