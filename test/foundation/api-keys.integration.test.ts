import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPortico, type TestPortico } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`API keys (${backend})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startTestPortico(backend);
    });
    after(() => portico.close());

    async function createKey(body: Record<string, unknown>, key?: string) {
      const res = await portico.api('/v1/api-keys', { method: 'POST', json: body, ...(key ? { key } : {}) });
      return { res, body: (await res.json()) as any };
    }

    test('the first-run admin key is a pk_test_ key in sandbox mode', () => {
      assert.match(portico.adminKey, /^pk_test_[A-Za-z0-9]{40}$/);
    });

    test('a new key is shown once and stored only as a hash', async () => {
      const { res, body } = await createKey({ name: 'reader', scopes: ['social:read'] });
      assert.equal(res.status, 201);
      const key: string = body.data.key;
      assert.match(key, /^pk_test_/);
      const rows = await portico.runtime.db.selectFrom('api_keys').selectAll().execute();
      assert.ok(
        rows.every((row) => !JSON.stringify(row).includes(key)),
        'the key itself is not stored',
      );
      const row = rows.find((r) => r.id === body.data.api_key.id)!;
      assert.equal(row.prefix, key.slice(0, 16));
      assert.equal(row.hash.length, 64);
      const list = (await (await portico.api('/v1/api-keys')).json()) as any;
      assert.ok(!JSON.stringify(list).includes(key), 'listing never shows the secret');
      assert.ok(list.data.some((k: any) => k.id === body.data.api_key.id));
    });

    test('a key is accepted as a Bearer token and as x-api-key', async () => {
      const { body } = await createKey({ name: 'both', scopes: ['social:read'] });
      const bearer = await portico.api('/v1/teams', { key: body.data.key });
      assert.equal(bearer.status, 200);
      const header = await portico.api('/v1/teams', { key: null, headers: { 'x-api-key': body.data.key } });
      assert.equal(header.status, 200);
    });

    test('a missing, malformed or unknown key gets 401 UNAUTHENTICATED', async () => {
      for (const key of [null, 'nope', `pk_test_${'A'.repeat(40)}`, `${portico.adminKey.slice(0, -1)}X`]) {
        const res = await portico.api('/v1/teams', { key });
        assert.equal(res.status, 401, String(key));
        const body = (await res.json()) as any;
        assert.equal(body.success, false);
        assert.equal(body.error.code, 'UNAUTHENTICATED');
      }
    });

    test('a key without the needed scope gets 403 INSUFFICIENT_SCOPE naming it', async () => {
      const { body } = await createKey({ name: 'reader', scopes: ['social:read'] });
      const res = await portico.api('/v1/api-keys', { key: body.data.key });
      assert.equal(res.status, 403);
      const error = ((await res.json()) as any).error;
      assert.equal(error.code, 'INSUFFICIENT_SCOPE');
      assert.equal(error.details.required_scope, 'admin');
    });

    test('social:write includes social:read; webhooks:write does not', async () => {
      const writer = (await createKey({ name: 'w', scopes: ['social:write'] })).body.data.key;
      assert.equal((await portico.api('/v1/teams', { key: writer })).status, 200);
      const hooks = (await createKey({ name: 'h', scopes: ['webhooks:write'] })).body.data.key;
      assert.equal((await portico.api('/v1/teams', { key: hooks })).status, 403);
    });

    test('a revoked key gets 401 at once', async () => {
      const { body } = await createKey({ name: 'short-lived', scopes: ['social:read'] });
      assert.equal((await portico.api('/v1/teams', { key: body.data.key })).status, 200);
      const revoke = await portico.api(`/v1/api-keys/${body.data.api_key.id}`, { method: 'DELETE' });
      assert.equal(revoke.status, 200);
      assert.equal((await portico.api('/v1/teams', { key: body.data.key })).status, 401);
      const again = await portico.api(`/v1/api-keys/${body.data.api_key.id}`, { method: 'DELETE' });
      assert.equal(again.status, 404);
    });

    test('unknown scopes are refused naming the field', async () => {
      const { res, body } = await createKey({ name: 'x', scopes: ['everything'] });
      assert.equal(res.status, 422);
      assert.equal(body.error.code, 'VALIDATION_FAILED');
      assert.match(body.error.details.field, /^scopes/);
    });

    test('a team-limited admin key only creates keys for its own team', async () => {
      const other = (await (
        await portico.api('/v1/teams', { method: 'POST', json: { name: 'Other' } })
      ).json()) as any;
      const limited = (await createKey({ name: 'team admin', scopes: ['admin'], team_id: portico.teamId }))
        .body.data;
      assert.equal(limited.api_key.team_id, portico.teamId);
      const own = await createKey({ name: 'child', scopes: ['social:read'] }, limited.key);
      assert.equal(own.body.data.api_key.team_id, portico.teamId);
      const foreign = await createKey(
        { name: 'x', scopes: ['social:read'], team_id: other.data.id },
        limited.key,
      );
      assert.equal(foreign.res.status, 404);
    });
  });
}
