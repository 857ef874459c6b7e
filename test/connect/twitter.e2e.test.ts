import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { credentialsOf, grantOf, nearExpiry, requestCredentials, withToken } from '../support/accounts.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import {
  connectAccount,
  connectFailure,
  connectThroughSandbox,
  pollConnect,
} from '../support/connect-flow.ts';
import { BACKENDS } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`X connect, end to end (${backend})`, () => {
    const fx = connectFixture(backend);
    const user = (name: string, scenario?: Record<string, unknown>) => fx.user('twitter', name, scenario);

    test('approving connects one profile and returns to the app with connected=1', async () => {
      const ada = await user('Ada');
      const flow = await connectThroughSandbox(fx.portico, 'twitter', {
        user: ada.id,
        body: { return_url: `${fx.app.url}/done?from=test`, metadata: { customer_id: '42' } },
      });
      assert.equal(flow.response.status, 303);
      assert.equal(flow.location?.origin, fx.app.url);
      assert.equal(flow.location?.pathname, '/done');
      assert.equal(flow.location?.searchParams.get('from'), 'test', 'the return URL keeps its own query');
      assert.equal(flow.location?.searchParams.get('connected'), '1');
      assert.equal(flow.location?.searchParams.get('platform'), 'twitter');
      await fetch(flow.location!);
      assert.equal(fx.app.hits.at(-1)?.searchParams.get('connected'), '1');

      const connectUrl = new URL(flow.link.connect_url);
      assert.equal(
        connectUrl.searchParams.get('state'),
        flow.link.state_token,
        'the state token is the OAuth state',
      );
      assert.equal(connectUrl.searchParams.get('code_challenge_method'), 'S256');

      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected');
      assert.equal(polled.accounts.length, 1);
      const account = polled.accounts[0];
      assert.equal(account.platform, 'twitter');
      assert.equal(account.target_type, 'profile');
      assert.equal(account.display_name, 'Ada');
      assert.equal(account.username, 'ada');
      assert.deepEqual(account.metadata, { customer_id: '42' });
      assert.ok(account.scopes.includes('offline.access'));
      assert.ok(account.token_expires_at, 'X tokens expire');

      const listed = (await (await fx.portico.api('/v1/social/accounts?platform=x')).json()) as any;
      assert.ok(
        listed.data.some((a: any) => a.id === account.id),
        'listed under the alias x too',
      );
      assert.ok(!JSON.stringify(listed).includes('access_token'), 'no token in listings');

      const creds = await credentialsOf(fx.portico, account.id);
      assert.equal(creds.token_type, 'bearer');
      assert.equal(typeof creds.access_token, 'string');
      const me = await withToken(`${fx.sandbox}/api.x.com/2/users/me`, creds.access_token);
      assert.equal(me.status, 200, 'the token works against the platform');

      const events = await fx.portico.runtime.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'account.connected')
        .execute();
      const event = events.find((e) => (e.payload as any).account.id === account.id);
      assert.ok(event, 'an account.connected event is in the outbox');
      assert.deepEqual((event!.payload as any).account.metadata, { customer_id: '42' });
    });

    test('tokens are encrypted at rest', async () => {
      const grace = await user('Grace');
      const account = await connectAccount(fx.portico, 'twitter', { user: grace.id });
      const creds = await credentialsOf(fx.portico, account.id);
      const grants = await fx.portico.runtime.db.selectFrom('grants').selectAll().execute();
      assert.ok(grants.length > 0);
      assert.ok(!JSON.stringify(grants).includes(creds.access_token));
    });

    test('connecting the same profile again updates it in place', async () => {
      const linus = await user('Linus');
      const first = await connectThroughSandbox(fx.portico, 'twitter', {
        user: linus.id,
        body: { metadata: { a: '1' } },
      });
      const second = await connectThroughSandbox(fx.portico, 'twitter', {
        user: linus.id,
        body: { metadata: { b: '2' } },
      });
      const a = (await pollConnect(fx.portico, first.link.state_token)).accounts[0];
      const b = (await pollConnect(fx.portico, second.link.state_token)).accounts[0];
      assert.equal(b.id, a.id, 'same account id');
      assert.deepEqual(b.metadata, { a: '1', b: '2' });
      const rows = await fx.portico.runtime.db
        .selectFrom('accounts')
        .select('id')
        .where('external_id', '=', a.platform_account_id)
        .execute();
      assert.equal(rows.length, 1, 'never a duplicate');
    });

    test('denying returns error=access_denied and connects nothing', async () => {
      const before = await fx.portico.runtime.db.selectFrom('accounts').select('id').execute();
      const flow = await connectThroughSandbox(fx.portico, 'twitter', {
        decision: 'deny',
        body: { return_url: `${fx.app.url}/back` },
      });
      await connectFailure(fx.portico, flow, 'access_denied');
      assert.equal(flow.location?.searchParams.get('platform'), 'twitter');
      const after = await fx.portico.runtime.db.selectFrom('accounts').select('id').execute();
      assert.equal(after.length, before.length);
    });

    test('unticking a required scope fails with not_enough_permissions', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'twitter', {
        uncheck: ['tweet.write'],
        body: { return_url: `${fx.app.url}/back` },
      });
      const error = await connectFailure(fx.portico, flow, 'not_enough_permissions');
      assert.match(error.message, /tweet\.write/);
    });

    test('a token endpoint answering 500 fails with platform_unavailable', async () => {
      const broken = await user('Broken', { tokenEndpoint: '500' });
      const flow = await connectThroughSandbox(fx.portico, 'twitter', {
        user: broken.id,
        body: { return_url: `${fx.app.url}/back` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_unavailable');
    });

    test('a token endpoint answering 429 fails with platform_unavailable', async () => {
      const limited = await user('Limited', { tokenEndpoint: '429' });
      const flow = await connectThroughSandbox(fx.portico, 'twitter', {
        user: limited.id,
        body: { return_url: `${fx.app.url}/back` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_unavailable');
    });

    test('expiring access tokens are refreshed with the rotating refresh token', async () => {
      const short = await user('Short', { accessTtlSeconds: 30 });
      const account = await connectAccount(fx.portico, 'twitter', { user: short.id });
      const grantBefore = await grantOf(fx.portico, account);
      const creds = (await (await requestCredentials(fx.portico, account.id)).json()) as any;
      assert.equal(creds.success, true);
      const grantAfter = await grantOf(fx.portico, account);
      assert.notEqual(
        grantAfter.refresh_token_enc,
        grantBefore.refresh_token_enc,
        'the new refresh token was stored',
      );
      assert.ok(grantAfter.access_expires_at! > grantBefore.access_expires_at!);
      const me = await withToken(`${fx.sandbox}/api.x.com/2/users/me`, creds.data.access_token);
      assert.equal(me.status, 200, 'the refreshed token works');
      // Twice in a row: the second refresh must use the rotated token, or X would refuse it.
      await nearExpiry(fx.portico, grantBefore.id);
      const again = await requestCredentials(fx.portico, account.id);
      assert.equal(again.status, 200);
    });

    test('a revoked refresh token marks the account needs_reauth and answers 409 REAUTH_REQUIRED', async () => {
      const revoked = await user('Revoked', { accessTtlSeconds: 10, refreshRevoked: true });
      const account = await connectAccount(fx.portico, 'twitter', { user: revoked.id });
      const res = await requestCredentials(fx.portico, account.id);
      assert.equal(res.status, 409);
      assert.equal(((await res.json()) as any).error.code, 'REAUTH_REQUIRED');
      const after = (await (await fx.portico.api(`/v1/social/accounts/${account.id}`)).json()) as any;
      assert.equal(after.data.status, 'needs_reauth');
      const events = await fx.portico.runtime.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'account.token_expired')
        .execute();
      assert.ok(events.some((e) => (e.payload as any).account.id === account.id));
    });

    test('concurrent credential requests refresh a rotating grant once', async () => {
      const busy = await user('Busy');
      const account = await connectAccount(fx.portico, 'twitter', { user: busy.id });
      await nearExpiry(fx.portico, (await grantOf(fx.portico, account)).id, 5000);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => requestCredentials(fx.portico, account.id)),
      );
      assert.deepEqual(
        answers.map((r) => r.status),
        [200, 200, 200, 200, 200],
        'a second use of a rotated refresh token would have failed one of them',
      );
      const tokens = new Set(
        await Promise.all(answers.map(async (r) => ((await r.json()) as any).data.access_token)),
      );
      assert.equal(tokens.size, 1, 'everyone got the one refreshed token');
    });
  });
}
