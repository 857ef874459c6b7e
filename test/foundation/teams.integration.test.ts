import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestPortico, type TestPortico } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`teams (${backend})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startTestPortico(backend);
    });
    after(() => portico.close());

    const json = async (res: Response) => (await res.json()) as any;

    test('create, read, update and delete a team', async () => {
      const created = await portico.api('/v1/teams', {
        method: 'POST',
        json: { name: 'Marketing', allowed_origins: ['https://app.example.com/some/path'] },
      });
      assert.equal(created.status, 201);
      const team = (await json(created)).data;
      assert.match(team.id, /^team_/);
      assert.deepEqual(team.allowed_origins, ['https://app.example.com'], 'origins are normalized');
      assert.equal(team.headless_connect, true);

      const read = await json(await portico.api(`/v1/teams/${team.id}`));
      assert.equal(read.data.name, 'Marketing');

      const patched = await json(
        await portico.api(`/v1/teams/${team.id}`, {
          method: 'PATCH',
          json: { name: 'Growth', headless_connect: false },
        }),
      );
      assert.equal(patched.data.name, 'Growth');
      assert.equal(patched.data.headless_connect, false);
      assert.deepEqual(patched.data.allowed_origins, ['https://app.example.com']);

      assert.equal((await portico.api(`/v1/teams/${team.id}`, { method: 'DELETE' })).status, 200);
      assert.equal((await portico.api(`/v1/teams/${team.id}`)).status, 404);
    });

    test('a name is required and unknown fields are refused, naming the field', async () => {
      const missing = await json(await portico.api('/v1/teams', { method: 'POST', json: {} }));
      assert.equal(missing.error.code, 'VALIDATION_FAILED');
      assert.equal(missing.error.details.field, 'name');
      const extra = await json(
        await portico.api('/v1/teams', { method: 'POST', json: { name: 'a', colour: 'red' } }),
      );
      assert.equal(extra.error.details.field, 'colour');
      const origin = await portico.api('/v1/teams', {
        method: 'POST',
        json: { name: 'a', allowed_origins: ['ftp://x'] },
      });
      assert.equal(origin.status, 422);
      assert.equal((await json(origin)).error.details.field, 'allowed_origins.0');
    });

    test('lists page with a cursor', async () => {
      for (const name of ['p1', 'p2', 'p3'])
        await portico.api('/v1/teams', { method: 'POST', json: { name } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await json(
          await portico.api(`/v1/teams?limit=2${cursor ? `&cursor=${cursor}` : ''}`),
        );
        assert.ok(page.data.length <= 2);
        seen.push(...page.data.map((t: any) => t.id));
        cursor = page.meta.next_cursor;
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, 'no team twice');
      assert.ok(seen.length >= 4);
      assert.deepEqual([...seen].sort(), seen, 'ordered by id');
    });

    test('a key limited to team A gets 404 for team B and sees only A', async () => {
      const a = (await json(await portico.api('/v1/teams', { method: 'POST', json: { name: 'A' } }))).data;
      const b = (await json(await portico.api('/v1/teams', { method: 'POST', json: { name: 'B' } }))).data;
      const key = (
        await json(
          await portico.api('/v1/api-keys', {
            method: 'POST',
            json: { name: 'a-only', scopes: ['admin'], team_id: a.id },
          }),
        )
      ).data.key;
      assert.equal((await portico.api(`/v1/teams/${a.id}`, { key })).status, 200);
      assert.equal((await portico.api(`/v1/teams/${b.id}`, { key })).status, 404);
      assert.equal(
        (await portico.api(`/v1/teams/${b.id}`, { key, method: 'PATCH', json: { name: 'x' } })).status,
        404,
      );
      assert.equal((await portico.api(`/v1/teams/${b.id}`, { key, method: 'DELETE' })).status, 404);
      const list = await json(await portico.api('/v1/teams', { key }));
      assert.deepEqual(
        list.data.map((t: any) => t.id),
        [a.id],
      );
      const create = await portico.api('/v1/teams', { key, method: 'POST', json: { name: 'C' } });
      assert.equal(create.status, 403);
      assert.equal((await json(create)).error.code, 'KEY_LIMITED_TO_TEAM');
      assert.equal((await json(await portico.api(`/v1/teams/${b.id}`))).data.name, 'B', 'B is untouched');
    });

    test('deleting a team revokes the keys limited to it', async () => {
      const t = (await json(await portico.api('/v1/teams', { method: 'POST', json: { name: 'temp' } }))).data;
      const key = (
        await json(
          await portico.api('/v1/api-keys', {
            method: 'POST',
            json: { name: 'k', scopes: ['social:read'], team_id: t.id },
          }),
        )
      ).data.key;
      assert.equal((await portico.api('/v1/teams', { key })).status, 200);
      await portico.api(`/v1/teams/${t.id}`, { method: 'DELETE' });
      assert.equal((await portico.api('/v1/teams', { key })).status, 401);
    });
  });
}
