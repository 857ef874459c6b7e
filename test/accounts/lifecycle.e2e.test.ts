/**
 * Issue 10: reconnect links, pause and resume, and disconnect, over real HTTP against the simulator, on
 * both backends; their events carry the account's public view and never a token; a team-limited key
 * cannot touch another team's account.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withToken } from '../support/accounts.ts';
import { setSandboxScenario, submitConsent } from '../support/consent.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { followCallback, pollConnect } from '../support/connect-flow.ts';
import { BACKENDS } from '../support/storage.ts';
import { call, connectAccounts, eventsOf, testClock } from './support.ts';

for (const backend of BACKENDS) {
  describe(`managing connected accounts (${backend})`, () => {
    const clock = testClock();
    const fx = connectFixture(backend, {}, { now: clock.now });
    const db = () => fx.portico.runtime.db;
    const credentials = (id: string) => call(fx, `/v1/social/accounts/${id}/credentials`);
    const tokenWorks = async (host: string, path: string, token: string) =>
      (await withToken(`${fx.sandbox}/${host}${path}`, token)).status;

    async function reconnectThrough(accountId: string, user: string) {
      const link = await call(
        fx,
        `/v1/social/accounts/${accountId}/reconnect-url?return_url=${encodeURIComponent(`${fx.app.url}/back`)}`,
      );
      assert.equal(link.status, 200, JSON.stringify(link.body));
      assert.deepEqual(Object.keys(link.body.data).sort(), ['expires_at', 'reconnect_url', 'state_token']);
      const callbackUrl = await submitConsent(link.body.data.reconnect_url, { user });
      const { location } = await followCallback(callbackUrl);
      return { location, polled: await pollConnect(fx.portico, link.body.data.state_token) };
    }

    test('a reconnect link revives the same account with new tokens, its metadata kept', async () => {
      const user = await fx.user('twitter', 'Lapsed', { refreshRevoked: true, accessTtlSeconds: 60 });
      const [account] = await connectAccounts(fx, 'twitter', user.id, { metadata: { customer_id: '42' } });
      const oldToken = (await credentials(account.id)).body.data.access_token;
      clock.advance(120_000);
      assert.equal((await credentials(account.id)).body.error.code, 'REAUTH_REQUIRED');
      assert.equal((await call(fx, `/v1/social/accounts/${account.id}/health`)).body.data.status, 'expired');
      await setSandboxScenario(fx.sandbox, user.id, { refreshRevoked: false });

      const { location, polled } = await reconnectThrough(account.id, user.id);
      assert.equal(location?.searchParams.get('connected'), '1');
      assert.deepEqual(
        polled.accounts.map((a: any) => a.id),
        [account.id],
      );
      const shown = (await call(fx, `/v1/social/accounts/${account.id}`)).body.data;
      assert.equal(shown.status, 'active');
      assert.deepEqual(shown.metadata, { customer_id: '42' });
      const fresh = await credentials(account.id);
      assert.equal(fresh.status, 200);
      assert.notEqual(fresh.body.data.access_token, oldToken, 'new tokens');
      assert.equal((await call(fx, `/v1/social/accounts/${account.id}/health`)).body.data.status, 'connected');
      const listed = (await call(fx, '/v1/social/accounts?metadata.customer_id=42')).body.data;
      assert.equal(listed.length, 1, 'nothing duplicated');
      const events = await eventsOf(fx, account.id);
      assert.deepEqual(
        events.map((e) => e.type),
        ['account.connected', 'account.token_expired', 'account.reconnected'],
      );
      assert.equal((events[2]!.payload as any).account.metadata.customer_id, '42');
      assert.ok(!JSON.stringify(events).includes(fresh.body.data.access_token), 'never a token');
    });

    test('a reconnect authorized by another platform user is refused; the account is untouched', async () => {
      const [account] = await connectAccounts(fx, 'twitter', 'tw-ada', { metadata: { who: 'ada' } });
      const before = (await call(fx, `/v1/social/accounts/${account.id}`)).body.data;
      const token = (await credentials(account.id)).body.data.access_token;
      const { location, polled } = await reconnectThrough(account.id, 'tw-grace');
      assert.equal(location?.searchParams.get('error'), 'account_mismatch');
      assert.equal(polled.status, 'failed');
      assert.equal(polled.error.code, 'account_mismatch');
      assert.deepEqual((await call(fx, `/v1/social/accounts/${account.id}`)).body.data, before);
      assert.equal((await credentials(account.id)).body.data.access_token, token, 'the same tokens');
      assert.equal((await eventsOf(fx, account.id, 'account.reconnected')).length, 0);
    });

    test('a Mastodon reconnect link goes back to the account’s own server', async () => {
      const [account] = await connectAccounts(fx, 'mastodon', 'md-grace', { server_url: 'fosstodon.org' });
      const { location, polled } = await reconnectThrough(account.id, 'md-grace');
      assert.equal(location?.searchParams.get('connected'), '1', location?.toString());
      assert.deepEqual(
        polled.accounts.map((a: any) => [a.id, a.username]),
        [[account.id, '@grace@fosstodon.org']],
      );
      assert.equal((await eventsOf(fx, account.id, 'account.reconnected')).length, 1);
    });

    test('a reconnect link for an unknown account is 404', async () => {
      assert.equal((await call(fx, '/v1/social/accounts/acc_00000000000000000000000000/reconnect-url')).status, 404);
    });

    test('a paused account refuses its credentials until resumed; twice is not an error, events only on change', async () => {
      const [account] = await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Pausable')).id);
      const pause = () => call(fx, `/v1/social/accounts/${account.id}/pause`, { method: 'POST' });
      const resume = () => call(fx, `/v1/social/accounts/${account.id}/resume`, { method: 'POST' });
      assert.deepEqual((await pause()).body.data, { id: account.id, paused: true });
      assert.deepEqual((await pause()).body.data, { id: account.id, paused: true });
      const refused = await credentials(account.id);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'ACCOUNT_PAUSED');
      assert.equal((await call(fx, `/v1/social/accounts/${account.id}`)).body.data.paused, true);
      assert.equal((await call(fx, `/v1/social/accounts/${account.id}/health`)).body.data.status, 'connected');
      assert.deepEqual((await resume()).body.data, { id: account.id, paused: false });
      assert.deepEqual((await resume()).body.data, { id: account.id, paused: false });
      const served = await credentials(account.id);
      assert.equal(served.status, 200);
      const events = await eventsOf(fx, account.id);
      assert.deepEqual(
        events.map((e) => e.type),
        ['account.connected', 'account.paused', 'account.resumed'],
      );
      assert.equal((events[1]!.payload as any).account.paused, true);
      assert.ok(!JSON.stringify(events).includes(served.body.data.access_token));
      assert.equal(
        (await call(fx, '/v1/social/accounts/acc_00000000000000000000000000/pause', { method: 'POST' })).status,
        404,
      );
    });

    test('disconnecting revokes at the platform, deletes the account and its grant; connecting again makes a new account', async () => {
      const user = await fx.user('twitter', 'Leaving');
      const [account] = await connectAccounts(fx, 'twitter', user.id);
      const token = (await credentials(account.id)).body.data.access_token;
      const grantId = (
        await db().selectFrom('accounts').select('grant_id').where('id', '=', account.id).executeTakeFirstOrThrow()
      ).grant_id;
      assert.equal(await tokenWorks('api.x.com', '/2/users/me', token), 200);

      const deleted = await call(fx, `/v1/social/accounts/${account.id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 200);
      assert.equal(deleted.body.success, true);
      assert.equal(deleted.body.data, null);
      assert.equal(await tokenWorks('api.x.com', '/2/users/me', token), 401, 'the token is dead at X');
      assert.equal((await call(fx, `/v1/social/accounts/${account.id}`)).status, 404);
      assert.equal((await call(fx, `/v1/social/accounts/${account.id}`, { method: 'DELETE' })).status, 404);
      assert.equal(
        (await db().selectFrom('grants').select('id').where('id', '=', grantId).executeTakeFirst()),
        undefined,
        'the grant and its tokens are gone',
      );
      assert.equal(
        (await db().selectFrom('targets').select('id').where('grant_id', '=', grantId).execute()).length,
        0,
      );
      const [event] = await eventsOf(fx, account.id, 'account.disconnected');
      assert.deepEqual((event!.payload as any).platform_revoke, { status: 'revoked' });
      assert.equal((event!.payload as any).account.id, account.id);
      assert.ok(!JSON.stringify(event).includes(token));

      const [again] = await connectAccounts(fx, 'twitter', user.id);
      assert.notEqual(again.id, account.id);
      assert.equal((await credentials(again.id)).status, 200);
    });

    test('a refused revoke does not stop the disconnect; the event says so', async () => {
      // This Mastodon server forgets the app once its code is exchanged: its revoke endpoint refuses it.
      const [account] = await connectAccounts(fx, 'mastodon', 'md-margaret', {
        server_url: 'forgetful.mastodon.example',
      });
      const token = (await credentials(account.id)).body.data.access_token;
      const deleted = await call(fx, `/v1/social/accounts/${account.id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 200);
      assert.equal(deleted.body.data, null);
      assert.equal((await call(fx, `/v1/social/accounts/${account.id}`)).status, 404);
      const [event] = await eventsOf(fx, account.id, 'account.disconnected');
      const revoke = (event!.payload as any).platform_revoke;
      assert.equal(revoke.status, 'failed');
      assert.ok(revoke.error);
      assert.equal(
        await tokenWorks('forgetful.mastodon.example', '/api/v1/accounts/verify_credentials', token),
        200,
        'the platform still takes the token: which is what the event reports',
      );
    });

    test('disconnecting one Page keeps the grant the other Page needs, and forgets only its own token', async () => {
      const pages = await connectAccounts(fx, 'facebook', 'fb-ada');
      assert.ok(pages.length >= 2);
      const [gone, kept] = pages;
      const targetId = (
        await db().selectFrom('accounts').select('target_id').where('id', '=', gone.id).executeTakeFirstOrThrow()
      ).target_id!;
      assert.equal((await call(fx, `/v1/social/accounts/${gone.id}`, { method: 'DELETE' })).status, 200);
      const target = await db()
        .selectFrom('targets')
        .select('access_token_enc')
        .where('id', '=', targetId)
        .executeTakeFirstOrThrow();
      assert.equal(target.access_token_enc, null);
      assert.equal((await credentials(kept.id)).status, 200);
      const [event] = await eventsOf(fx, gone.id, 'account.disconnected');
      assert.deepEqual((event!.payload as any).platform_revoke, { status: 'kept' });
    });

    test('every account endpoint is in the OpenAPI document with its response schema and an example', async () => {
      const doc = (await (await fetch(`${fx.portico.url}/openapi.json`)).json()) as any;
      for (const [path, method] of [
        ['/v1/social/accounts/{id}/health', 'get'],
        ['/v1/social/accounts/health', 'get'],
        ['/v1/social/accounts/{id}/reconnect-url', 'get'],
        ['/v1/social/accounts/{id}/pause', 'post'],
        ['/v1/social/accounts/{id}/resume', 'post'],
        ['/v1/social/accounts/{id}', 'delete'],
      ]) {
        const operation = doc.paths?.[path!]?.[method!];
        assert.ok(operation, `${method} ${path}`);
        const ok = JSON.stringify(operation.responses['200']);
        assert.ok(ok, `${method} ${path} documents its 200`);
        if (method !== 'delete') assert.match(ok, /"examples?"/, `${method} ${path} has an example`);
        assert.ok(operation.responses['404'], `${method} ${path} documents 404`);
      }
    });

    test('a team-limited key cannot touch another team’s account; a read-only key cannot change one', async () => {
      const [account] = await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Team A')).id);
      const teamB = (await call(fx, '/v1/teams', { method: 'POST', json: { name: 'B' } })).body.data.id;
      const mint = async (scopes: string[], team_id?: string) =>
        (
          await call(fx, '/v1/api-keys', {
            method: 'POST',
            json: { name: scopes.join(' '), scopes, ...(team_id ? { team_id } : {}) },
          })
        ).body.data.key as string;
      const keyB = await mint(['social:write'], teamB);
      const reader = await mint(['social:read']);
      const base = `/v1/social/accounts/${account.id}`;
      for (const [method, path] of [
        ['GET', `${base}/health`],
        ['GET', `${base}/reconnect-url`],
        ['POST', `${base}/pause`],
        ['POST', `${base}/resume`],
        ['DELETE', base],
      ] as const) {
        const res = await call(fx, path, { method, key: keyB });
        assert.equal(res.status, 404, `${method} ${path}`);
      }
      assert.ok(
        !(await call(fx, '/v1/social/accounts/health', { key: keyB })).body.data.accounts.some(
          (a: any) => a.id === account.id,
        ),
      );
      for (const [method, path] of [
        ['GET', `${base}/reconnect-url`],
        ['POST', `${base}/pause`],
        ['DELETE', base],
      ] as const) {
        const res = await call(fx, path, { method, key: reader });
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(res.body.error.code, 'INSUFFICIENT_SCOPE');
      }
      assert.equal((await call(fx, `${base}/health`, { key: reader })).status, 200);
      assert.equal((await call(fx, base)).body.data.paused, false, 'untouched');
    });
  });
}
