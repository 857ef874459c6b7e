import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { revokeGrant } from '../../src/accounts/revoke.ts';
import { resolveOAuthApp } from '../../src/connect/oauth-apps.ts';
import { platformContext } from '../../src/connect/platform-context.ts';
import { refreshTokens } from '../../src/oauth/token.ts';
import { normalizeTikTokTokenResponse, tiktok } from '../../src/platforms/tiktok/index.ts';
import { credentialsOf, grantOf, nearExpiry, requestCredentials, withToken } from '../support/accounts.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import {
  connectAccount,
  connectFailure,
  connectThroughSandbox,
  pollConnect,
} from '../support/connect-flow.ts';
import { BACKENDS } from '../support/storage.ts';

describe('TikTok token responses, normalised', () => {
  test('an OAuth error sent with HTTP 200 becomes a 400 refusal', () => {
    const body = { error: 'invalid_grant', error_description: 'Refresh token is invalid.', log_id: 'x' };
    assert.deepEqual(normalizeTikTokTokenResponse({ status: 200, body: { ...body } }), { status: 400, body });
  });

  test('server_error and temporarily_unavailable sent with HTTP 200 become a 503', () => {
    for (const error of ['server_error', 'temporarily_unavailable']) {
      assert.equal(normalizeTikTokTokenResponse({ status: 200, body: { error } }).status, 503);
    }
  });

  test('an error that already has an error status keeps it', () => {
    assert.equal(
      normalizeTikTokTokenResponse({ status: 401, body: { error: 'invalid_client' } }).status,
      401,
    );
  });

  test('a missing or odd token_type is read as Bearer', () => {
    for (const tokenType of [undefined, 'bearer ', 'BEARER', 7]) {
      const body: Record<string, unknown> = { access_token: 'act.1', open_id: 'o' };
      if (tokenType !== undefined) body.token_type = tokenType;
      const fixed = normalizeTikTokTokenResponse({ status: 200, body });
      assert.equal(fixed.status, 200);
      assert.equal(fixed.body.token_type, 'Bearer');
      assert.equal(fixed.body.open_id, 'o', 'the other fields are kept');
    }
  });
});

for (const backend of BACKENDS) {
  describe(`TikTok connect, end to end (${backend})`, () => {
    const fx = connectFixture(backend);

    const user = (name: string, scenario?: Record<string, unknown>) => fx.user('tiktok', name, scenario);
    const connect = async (name: string, scenario?: Record<string, unknown>) =>
      connectAccount(fx.portico, 'tiktok', { user: (await user(name, scenario)).id });
    const accessToken = async (accountId: string) =>
      (await credentialsOf(fx.portico, accountId)).access_token;
    const userInfo = (token: string) =>
      withToken(`${fx.sandbox}/open.tiktokapis.com/v2/user/info/?fields=open_id,display_name`, token);

    test('approving connects the profile with its open_id, display name and username', async () => {
      const ada = await user('Ada');
      const flow = await connectThroughSandbox(fx.portico, 'tiktok', {
        user: ada.id,
        body: { return_url: `${fx.app.url}/done` },
      });
      assert.equal(flow.location?.searchParams.get('connected'), '1');
      assert.equal(flow.location?.searchParams.get('platform'), 'tiktok');

      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected');
      assert.equal(polled.accounts.length, 1);
      const account = polled.accounts[0];
      assert.equal(account.platform, 'tiktok');
      assert.equal(account.target_type, 'profile');
      assert.equal(account.platform_account_id, ada.id, 'the open_id is the account id');
      assert.equal(account.display_name, 'Ada');
      assert.equal(account.username, 'ada');
      for (const scope of ['user.info.basic', 'video.publish', 'user.info.profile', 'video.upload']) {
        assert.ok(account.scopes.includes(scope), `${scope} in ${account.scopes}`);
      }
      assert.ok(account.token_expires_at, 'TikTok access tokens expire');

      const grant = await grantOf(fx.portico, account);
      assert.ok(grant.refresh_token_enc, 'a refresh token is kept');
      assert.ok(grant.refresh_expires_at, 'refresh_expires_in was read');

      const creds = await credentialsOf(fx.portico, account.id);
      assert.equal(creds.token_type, 'bearer');
      const me = await userInfo(creds.access_token);
      assert.equal(me.status, 200, 'the token works against the platform');
      assert.equal(((await me.json()) as any).data.user.open_id, ada.id);
    });

    test('a built-in user connects with their TikTok-style open_id', async () => {
      const account = await connectAccount(fx.portico, 'tiktok', { user: '-000tkAdaLovelaceSandbox0' });
      assert.equal(account.platform_account_id, '-000tkAdaLovelaceSandbox0');
      assert.equal(account.username, 'ada_sandbox');
    });

    test('the authorize URL names the app client_key, never client_id, and asks for comma-separated scopes', async () => {
      const res = await fx.portico.api('/v1/social/connect/tiktok', { method: 'POST', json: {} });
      assert.equal(res.status, 201);
      const url = new URL(((await res.json()) as any).data.connect_url);
      assert.ok(url.searchParams.get('client_key'), url.toString());
      assert.equal(url.searchParams.has('client_id'), false);
      assert.equal(url.searchParams.get('response_type'), 'code');
      assert.deepEqual(url.searchParams.get('scope')?.split(','), [
        'user.info.basic',
        'video.publish',
        'user.info.profile',
        'video.upload',
      ]);
      assert.equal(url.searchParams.has('code_challenge'), false, 'the web flow has no PKCE');
    });

    test('unticking user.info.profile connects the profile without a username', async () => {
      const grace = await user('Grace');
      const flow = await connectThroughSandbox(fx.portico, 'tiktok', {
        user: grace.id,
        uncheck: ['user.info.profile'],
      });
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected', JSON.stringify(polled.error));
      const account = polled.accounts[0];
      assert.equal(account.platform_account_id, grace.id);
      assert.equal(account.display_name, 'Grace');
      assert.equal(account.username, null);
      assert.equal(account.scopes.includes('user.info.profile'), false, 'the granted subset is recorded');
    });

    test('denying returns error=access_denied and connects nothing', async () => {
      const before = await fx.portico.runtime.db.selectFrom('accounts').select('id').execute();
      const flow = await connectThroughSandbox(fx.portico, 'tiktok', {
        decision: 'deny',
        body: { return_url: `${fx.app.url}/back` },
      });
      await connectFailure(fx.portico, flow, 'access_denied');
      const after = await fx.portico.runtime.db.selectFrom('accounts').select('id').execute();
      assert.equal(after.length, before.length);
    });

    test('unticking video.publish fails with not_enough_permissions', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'tiktok', {
        uncheck: ['video.publish'],
        body: { return_url: `${fx.app.url}/back` },
      });
      const error = await connectFailure(fx.portico, flow, 'not_enough_permissions');
      assert.match(error.message, /video\.publish/);
    });

    test('a token endpoint answering 500 fails with platform_unavailable', async () => {
      const broken = await user('Broken', { tokenEndpoint: '500' });
      const flow = await connectThroughSandbox(fx.portico, 'tiktok', {
        user: broken.id,
        body: { return_url: `${fx.app.url}/back` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_unavailable');
    });

    test('an unknown refresh token is a refusal (invalid_grant), though TikTok says so with HTTP 200', async () => {
      const account = await connect('Stranger');
      const grant = await grantOf(fx.portico, account);
      const app = await resolveOAuthApp(fx.portico.runtime, {
        teamId: grant.team_id,
        module: tiktok,
        options: grant.options,
        instance: grant.instance,
      });
      assert.ok(app);
      const ctx = platformContext(fx.portico.runtime, tiktok, app, grant.options);
      const refreshed = await refreshTokens(
        { server: ctx.server, client: ctx.client, outbound: ctx.outbound, now: ctx.now },
        'rft.not-a-token-tiktok-issued',
      );
      assert.equal(refreshed.ok, false);
      assert.equal(!refreshed.ok && refreshed.failure.kind, 'refused');
      assert.equal(!refreshed.ok && refreshed.failure.error, 'invalid_grant');
    });

    test('an expiring access token is refreshed and the rotated refresh token is stored', async () => {
      const account = await connect('Rotator');
      const before = await grantOf(fx.portico, account);
      const oldToken = await accessToken(account.id);
      await nearExpiry(fx.portico, before.id);

      const res = await requestCredentials(fx.portico, account.id);
      assert.equal(res.status, 200);
      const newToken = ((await res.json()) as any).data.access_token;
      assert.notEqual(newToken, oldToken, 'a new access token');
      assert.equal((await userInfo(newToken)).status, 200, 'the refreshed token works');
      const after = await grantOf(fx.portico, account);
      assert.notEqual(
        after.refresh_token_enc,
        before.refresh_token_enc,
        'the rotated refresh token was stored',
      );
      assert.ok(after.access_expires_at! > before.access_expires_at!);

      // A second refresh must present the rotated token: the spent one would be refused.
      await nearExpiry(fx.portico, before.id);
      const again = await requestCredentials(fx.portico, account.id);
      assert.equal(again.status, 200);
      const third = ((await again.json()) as any).data.access_token;
      assert.notEqual(third, newToken);
      assert.equal((await userInfo(third)).status, 200);
    });

    test('concurrent credential requests on an expiring token all get the one refreshed token', async () => {
      const account = await connect('Busy');
      const grant = await grantOf(fx.portico, account);
      await nearExpiry(fx.portico, grant.id);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => requestCredentials(fx.portico, account.id)),
      );
      assert.deepEqual(
        answers.map((r) => r.status),
        [200, 200, 200, 200, 200],
        'a second use of the rotating refresh token would have failed one of them',
      );
      const tokens = new Set(
        await Promise.all(answers.map(async (r) => ((await r.json()) as any).data.access_token)),
      );
      assert.equal(tokens.size, 1, 'everyone got the one refreshed token');
      assert.equal((await userInfo([...tokens][0])).status, 200);
    });

    test('a revoked refresh token marks the account needs_reauth and answers 409 REAUTH_REQUIRED', async () => {
      const account = await connect('Revoked', { refreshRevoked: true });
      await nearExpiry(fx.portico, (await grantOf(fx.portico, account)).id);
      const res = await requestCredentials(fx.portico, account.id);
      assert.equal(res.status, 409);
      assert.equal(((await res.json()) as any).error.code, 'REAUTH_REQUIRED');
      const after = (await (await fx.portico.api(`/v1/social/accounts/${account.id}`)).json()) as any;
      assert.equal(after.data.status, 'needs_reauth');
    });

    test('revoking the grant kills its access token', async () => {
      const account = await connect('Leaver');
      const token = await accessToken(account.id);
      assert.equal((await userInfo(token)).status, 200);
      const revoked = await revokeGrant(fx.portico.runtime, await grantOf(fx.portico, account));
      assert.ok(revoked.ok, JSON.stringify(!revoked.ok && revoked.failure));
      assert.equal((await userInfo(token)).status, 401, 'the access token no longer works');
    });

    test('a revoke TikTok refuses (HTTP 200 with an error) is reported as a failure', async () => {
      const account = await connect('Impostor');
      const ctx = platformContext(fx.portico.runtime, tiktok, { clientId: 'unknown', clientSecret: 'x' }, {});
      const token = await accessToken(account.id);
      await assert.rejects(tiktok.revoke!(ctx, { accessToken: token }), /invalid_client/);
      assert.equal((await userInfo(token)).status, 200, 'and the token still works');
    });
  });
}
