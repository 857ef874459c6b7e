/** Mastodon as a client following https://docs.joinmastodon.org/spec/oauth/ and methods/apps sees it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addSandboxUser, setSandboxScenario, submitConsent } from '../support/consent.ts';
import {
  basic,
  type Json,
  json,
  params,
  pkcePair,
  postForm,
  REDIRECT_URI,
  useTestSandbox,
} from './helpers.ts';

const SOCIAL = 'mastodon.social';
const FOSSTODON = 'fosstodon.org';
const FORGETFUL = 'forgetful.mastodon.example';
const LEGACY = 'legacy.mastodon.example';
const SCOPES = 'profile write:statuses write:media';

interface App {
  client_id: string;
  client_secret: string;
}

describe('Mastodon sandbox', () => {
  const sb = useTestSandbox({ hangMs: 50 });

  function registerRaw(host: string, body: Record<string, unknown>) {
    return fetch(sb.at(host, '/api/v1/apps'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function register(host: string, body: Record<string, unknown> = {}): Promise<App & Json> {
    const response = await registerRaw(host, {
      client_name: 'Portico',
      redirect_uris: REDIRECT_URI,
      scopes: SCOPES,
      website: 'https://portico.example',
      ...body,
    });
    assert.equal(response.status, 200);
    return json(response);
  }

  function authorizeUrl(host: string, app: App, query: Record<string, string | undefined> = {}) {
    const all: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: REDIRECT_URI,
      scope: SCOPES,
      state: 'state-123',
      ...query,
    };
    const defined = Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined);
    return `${sb.at(host, '/oauth/authorize')}?${new URLSearchParams(defined)}`;
  }

  function exchange(host: string, app: App, form: Record<string, string>) {
    return postForm(sb.at(host, '/oauth/token'), {
      grant_type: 'authorization_code',
      client_id: app.client_id,
      client_secret: app.client_secret,
      redirect_uri: REDIRECT_URI,
      ...form,
    });
  }

  /** Authorize (with PKCE unless told otherwise), approve as `user`, exchange the code. */
  async function connect(host: string, app: App, user?: string, query: Record<string, string> = {}) {
    const pkce = pkcePair();
    const location = await submitConsent(
      authorizeUrl(host, app, { code_challenge: pkce.challenge, code_challenge_method: 'S256', ...query }),
      { user },
    );
    const code = params(location).get('code');
    assert.ok(code, location);
    const response = await exchange(host, app, { code, code_verifier: pkce.verifier });
    assert.equal(response.status, 200);
    return json(response);
  }

  function get(host: string, path: string, token?: string) {
    return fetch(sb.at(host, path), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  }

  async function appToken(host: string, app: App, scope?: string) {
    const response = await postForm(sb.at(host, '/oauth/token'), {
      grant_type: 'client_credentials',
      client_id: app.client_id,
      client_secret: app.client_secret,
      ...(scope ? { scope } : {}),
    });
    return { status: response.status, body: await json(response) };
  }

  test('the documented flow: register, discover, authorize with PKCE, token, verify_credentials, revoke', async () => {
    const app = await register(SOCIAL, { redirect_uris: [REDIRECT_URI, 'https://app.example/other'] });
    assert.deepEqual(Object.keys(app).sort(), [
      'client_id',
      'client_secret',
      'client_secret_expires_at',
      'id',
      'name',
      'redirect_uri',
      'redirect_uris',
      'scopes',
      'website',
    ]);
    assert.match(app.id, /^\d+$/);
    assert.equal(app.name, 'Portico');
    assert.equal(app.website, 'https://portico.example');
    assert.deepEqual(app.scopes, ['profile', 'write:statuses', 'write:media'], 'an array since 4.3');
    assert.deepEqual(app.redirect_uris, [REDIRECT_URI, 'https://app.example/other']);
    assert.equal(app.redirect_uri, `${REDIRECT_URI}\nhttps://app.example/other`);
    assert.equal(app.client_secret_expires_at, 0);

    const metadata = await json(await get(SOCIAL, '/.well-known/oauth-authorization-server'));
    assert.equal(metadata.issuer, 'https://mastodon.social/');
    assert.equal(metadata.authorization_endpoint, 'https://mastodon.social/oauth/authorize');
    assert.equal(metadata.token_endpoint, 'https://mastodon.social/oauth/token');
    assert.equal(metadata.revocation_endpoint, 'https://mastodon.social/oauth/revoke');
    assert.equal(metadata.app_registration_endpoint, 'https://mastodon.social/api/v1/apps');
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.grant_types_supported, ['authorization_code', 'client_credentials']);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    assert.ok(metadata.scopes_supported.includes('profile'));

    const pkce = pkcePair();
    const location = await submitConsent(
      authorizeUrl(SOCIAL, app, { code_challenge: pkce.challenge, code_challenge_method: 'S256' }),
      { user: 'md-ada' },
    );
    assert.ok(location.startsWith(`${REDIRECT_URI}?code=`), location);
    assert.equal(params(location).get('state'), 'state-123');

    const response = await exchange(SOCIAL, app, {
      code: params(location).get('code')!,
      code_verifier: pkce.verifier,
    });
    assert.equal(response.status, 200);
    const tokens = await json(response);
    assert.deepEqual(Object.keys(tokens).sort(), ['access_token', 'created_at', 'scope', 'token_type']);
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.scope, SCOPES);
    assert.equal(tokens.created_at, Math.floor(sb.now() / 1000));

    const me = await get(SOCIAL, '/api/v1/accounts/verify_credentials', tokens.access_token);
    assert.equal(me.status, 200);
    const account = await json(me);
    assert.equal(account.id, '110000000000000001');
    assert.equal(account.username, 'ada');
    assert.equal(account.acct, 'ada', 'a local account has no domain in acct');
    assert.equal(account.display_name, 'Ada Lovelace');
    assert.equal(account.url, 'https://mastodon.social/@ada');
    assert.ok(account.avatar && account.avatar_static);
    assert.equal(typeof account.source, 'object');

    const info = await json(await get(SOCIAL, '/oauth/userinfo', tokens.access_token));
    assert.equal(info.sub, 'https://mastodon.social/users/ada');
    assert.equal(info.preferred_username, 'ada');

    const revoked = await postForm(sb.at(SOCIAL, '/oauth/revoke'), {
      client_id: app.client_id,
      client_secret: app.client_secret,
      token: tokens.access_token,
    });
    assert.equal(revoked.status, 200);
    assert.deepEqual(await json(revoked), {});
    const after = await get(SOCIAL, '/api/v1/accounts/verify_credentials', tokens.access_token);
    assert.equal(after.status, 401);
    assert.deepEqual(await json(after), { error: 'The access token was revoked' });
  });

  test('registration refuses missing fields and bad redirect URIs with 422 and Rails wording', async () => {
    const missing = await registerRaw(SOCIAL, {});
    assert.equal(missing.status, 422);
    assert.deepEqual(await json(missing), {
      error: "Validation failed: Application name can't be blank, Redirect URI can't be blank",
    });
    const relative = await registerRaw(SOCIAL, { client_name: 'X', redirect_uris: '/callback' });
    assert.equal(relative.status, 422);
    assert.deepEqual(await json(relative), {
      error: 'Validation failed: Redirect URI must be an absolute URI.',
    });
    const scope = await registerRaw(SOCIAL, {
      client_name: 'X',
      redirect_uris: REDIRECT_URI,
      scopes: 'read everything',
    });
    assert.equal(scope.status, 422);
    assert.match((await json(scope)).error, /Scopes doesn't match configured on the server/);
  });

  test("the docs' multipart registration (curl -F) works, scopes default to read and oob is a valid redirect", async () => {
    const form = new FormData();
    form.append('client_name', 'Test Application');
    form.append('redirect_uris', 'urn:ietf:wg:oauth:2.0:oob');
    const response = await fetch(sb.at(FOSSTODON, '/api/v1/apps'), { method: 'POST', body: form });
    assert.equal(response.status, 200);
    const app = await json(response);
    assert.deepEqual(app.scopes, ['read']);
    assert.equal(app.website, null);

    const location = await submitConsent(
      authorizeUrl(FOSSTODON, app, { redirect_uri: app.redirect_uri, scope: undefined }),
    );
    assert.match(
      location,
      /\/fosstodon\.org\/oauth\/authorize\/native\?code=/,
      'out of band: the code is shown',
    );
    const tokens = await json(
      await exchange(FOSSTODON, app, { code: params(location).get('code')!, redirect_uri: app.redirect_uri }),
    );
    assert.equal(tokens.scope, 'read', 'no scope asked: read');
  });

  test('a redirect_uri the app did not register is refused on an error page, never redirected', async () => {
    const app = await register(SOCIAL);
    for (const bad of [`${REDIRECT_URI}/`, 'https://evil.example/callback', undefined]) {
      const response = await fetch(authorizeUrl(SOCIAL, app, { redirect_uri: bad }), { redirect: 'manual' });
      assert.equal(response.status, 400, String(bad));
      assert.equal(response.headers.get('location'), null);
      assert.match(await response.text(), /The redirect uri included is not valid/);
    }
  });

  test('a scope the app did not register is refused on an error page, not by redirect', async () => {
    const app = await register(SOCIAL, { scopes: 'profile' });
    const response = await fetch(authorizeUrl(SOCIAL, app, { scope: 'profile write:statuses' }), {
      redirect: 'manual',
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /The requested scope is invalid, unknown, or malformed\./);
    // Without scope the request gets `read`, which this app did not register either.
    const none = await fetch(authorizeUrl(SOCIAL, app, { scope: undefined }), { redirect: 'manual' });
    assert.equal(none.status, 400);
  });

  test('a code_challenge_method other than S256 is refused', async () => {
    const app = await register(SOCIAL);
    const { verifier } = pkcePair();
    const response = await fetch(
      authorizeUrl(SOCIAL, app, { code_challenge: verifier, code_challenge_method: 'plain' }),
      { redirect: 'manual' },
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /The code_challenge_method must be S256\./);
  });

  test('a wrong code_verifier is invalid_grant and leaves the code usable with the right one', async () => {
    const app = await register(SOCIAL);
    const pkce = pkcePair();
    const location = await submitConsent(
      authorizeUrl(SOCIAL, app, { code_challenge: pkce.challenge, code_challenge_method: 'S256' }),
    );
    const code = params(location).get('code')!;
    const wrong = await exchange(SOCIAL, app, { code, code_verifier: pkcePair().verifier });
    assert.equal(wrong.status, 400);
    assert.deepEqual(await json(wrong), {
      error: 'invalid_grant',
      error_description:
        'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
    });
    const missing = await exchange(SOCIAL, app, { code });
    assert.equal(missing.status, 400);
    assert.deepEqual(await json(missing), {
      error: 'invalid_request',
      error_description: 'Missing required parameter: code_verifier.',
    });
    assert.equal((await exchange(SOCIAL, app, { code, code_verifier: pkce.verifier })).status, 200);
  });

  test('a code_verifier for a code issued without a challenge is invalid_grant', async () => {
    const app = await register(SOCIAL);
    const location = await submitConsent(authorizeUrl(SOCIAL, app));
    const code = params(location).get('code')!;
    const response = await exchange(SOCIAL, app, { code, code_verifier: pkcePair().verifier });
    assert.equal((await json(response)).error, 'invalid_grant');
    assert.equal((await exchange(SOCIAL, app, { code })).status, 200, 'PKCE is optional');
  });

  test('a reused authorization code is invalid_grant', async () => {
    const app = await register(SOCIAL);
    const location = await submitConsent(authorizeUrl(SOCIAL, app));
    const code = params(location).get('code')!;
    assert.equal((await exchange(SOCIAL, app, { code })).status, 200);
    const again = await exchange(SOCIAL, app, { code });
    assert.equal(again.status, 400);
    assert.equal((await json(again)).error, 'invalid_grant');
  });

  test('an authorization code older than ten minutes is invalid_grant', async () => {
    const app = await register(SOCIAL);
    const location = await submitConsent(authorizeUrl(SOCIAL, app));
    sb.advance(601);
    const response = await exchange(SOCIAL, app, { code: params(location).get('code')! });
    assert.equal((await json(response)).error, 'invalid_grant');
  });

  test('HTTP Basic client authentication works too; a wrong secret is invalid_client', async () => {
    const app = await register(SOCIAL);
    const code = async () => params(await submitConsent(authorizeUrl(SOCIAL, app))).get('code')!;
    const form = { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI };
    const viaBasic = await postForm(
      sb.at(SOCIAL, '/oauth/token'),
      { ...form, code: await code() },
      { authorization: basic(app.client_id, app.client_secret) },
    );
    assert.equal(viaBasic.status, 200);
    const wrong = await postForm(sb.at(SOCIAL, '/oauth/token'), {
      ...form,
      code: await code(),
      client_id: app.client_id,
      client_secret: 'wrong',
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await json(wrong), {
      error: 'invalid_client',
      error_description:
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
    });
  });

  test('denying redirects with access_denied, its description and the state', async () => {
    const app = await register(SOCIAL);
    const location = await submitConsent(authorizeUrl(SOCIAL, app), { decision: 'deny' });
    assert.equal(
      location,
      `${REDIRECT_URI}?error=access_denied&error_description=The+resource+owner+or+authorization+server+denied+the+request.&state=state-123`,
    );
  });

  test('consent is all or nothing: unticking a scope changes nothing', async () => {
    const app = await register(SOCIAL);
    const html = await (await fetch(authorizeUrl(SOCIAL, app))).text();
    assert.doesNotMatch(html, /type="checkbox"/);
    assert.match(html, /<span class="scope">write:statuses<\/span>/);
    const tokens = await connect(SOCIAL, app, undefined, {});
    assert.equal(tokens.scope, SCOPES);
    const location = await submitConsent(authorizeUrl(SOCIAL, app, { scope: 'profile write:media' }), {
      uncheck: ['write:media'],
    });
    const unticked = await json(await exchange(SOCIAL, app, { code: params(location).get('code')! }));
    assert.equal(unticked.scope, 'profile write:media');
  });

  test('a client registered on one instance is unknown on another, and so are its tokens', async () => {
    const app = await register(SOCIAL);
    const page = await fetch(authorizeUrl(FOSSTODON, app), { redirect: 'manual' });
    assert.equal(page.status, 401);
    assert.match(await page.text(), /Client authentication failed due to unknown client/);
    const clientCredentials = await appToken(FOSSTODON, app);
    assert.equal(clientCredentials.status, 401);
    assert.equal(clientCredentials.body.error, 'invalid_client');

    const tokens = await connect(SOCIAL, app);
    const elsewhere = await get(FOSSTODON, '/api/v1/accounts/verify_credentials', tokens.access_token);
    assert.equal(elsewhere.status, 401);
    assert.deepEqual(await json(elsewhere), { error: 'The access token is invalid' });
  });

  test('each instance offers only its own users, and account ids are only unique per instance', async () => {
    const html = await (await fetch(authorizeUrl(FOSSTODON, await register(FOSSTODON)))).text();
    assert.match(html, /value="md-grace"/);
    assert.doesNotMatch(html, /value="md-ada"/);
    await assert.rejects(
      submitConsent(authorizeUrl(FOSSTODON, await register(FOSSTODON)), { user: 'md-ada' }),
    );

    const social = await connect(SOCIAL, await register(SOCIAL), 'md-ada');
    const fosstodon = await connect(FOSSTODON, await register(FOSSTODON), 'md-grace');
    const ada = await json(await get(SOCIAL, '/api/v1/accounts/verify_credentials', social.access_token));
    const grace = await json(
      await get(FOSSTODON, '/api/v1/accounts/verify_credentials', fosstodon.access_token),
    );
    assert.equal(ada.id, grace.id, 'the same id, two different people');
    assert.notEqual(ada.url, grace.url);
  });

  test('a user added through the control API lives on the instance their username names', async () => {
    const bob = await addSandboxUser(sb.url, {
      platform: 'mastodon',
      name: 'Bob',
      username: 'bob@fosstodon.org',
    });
    const tokens = await connect(FOSSTODON, await register(FOSSTODON), bob.id);
    const account = await json(
      await get(FOSSTODON, '/api/v1/accounts/verify_credentials', tokens.access_token),
    );
    assert.equal(account.acct, 'bob');
    assert.match(account.id, /^\d{18}$/);
  });

  test('the forgetful instance forgets the app once a code is exchanged', async () => {
    const app = await register(FORGETFUL);
    const appTokenBefore = await appToken(FORGETFUL, app, 'profile');
    assert.equal(appTokenBefore.status, 200);
    const verifyApp = (token: string) => get(FORGETFUL, '/api/v1/apps/verify_credentials', token);
    assert.equal((await verifyApp(appTokenBefore.body.access_token)).status, 200);

    const tokens = await connect(FORGETFUL, app, 'md-margaret');
    const me = await get(FORGETFUL, '/api/v1/accounts/verify_credentials', tokens.access_token);
    assert.equal(me.status, 200, 'the connection just made still works');

    const forgotten = await verifyApp(appTokenBefore.body.access_token);
    assert.equal(forgotten.status, 401);
    assert.deepEqual(await json(forgotten), { error: 'The access token is invalid' });
    assert.equal((await verifyApp(tokens.access_token)).status, 401);
    assert.equal((await appToken(FORGETFUL, app, 'profile')).status, 401);
    assert.equal((await fetch(authorizeUrl(FORGETFUL, app), { redirect: 'manual' })).status, 401);

    const again = await register(FORGETFUL);
    assert.notEqual(again.client_id, app.client_id);
    assert.equal((await connect(FORGETFUL, again, 'md-margaret')).token_type, 'Bearer');
  });

  test('the legacy instance has no metadata, no profile scope, the old app entity, and ignores PKCE', async () => {
    const metadata = await get(LEGACY, '/.well-known/oauth-authorization-server');
    assert.equal(metadata.status, 404);

    const withProfile = await registerRaw(LEGACY, {
      client_name: 'X',
      redirect_uris: REDIRECT_URI,
      scopes: 'profile',
    });
    assert.equal(withProfile.status, 422);
    const withArray = await registerRaw(LEGACY, { client_name: 'X', redirect_uris: [REDIRECT_URI] });
    assert.deepEqual(await json(withArray), { error: "Validation failed: Redirect URI can't be blank" });

    const app = await register(LEGACY, { scopes: 'read:accounts write:statuses' });
    assert.deepEqual(Object.keys(app).sort(), [
      'client_id',
      'client_secret',
      'id',
      'name',
      'redirect_uri',
      'vapid_key',
      'website',
    ]);

    const pkce = pkcePair();
    const location = await submitConsent(
      authorizeUrl(LEGACY, app, {
        scope: 'read:accounts write:statuses',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    );
    const response = await exchange(LEGACY, app, {
      code: params(location).get('code')!,
      code_verifier: pkcePair().verifier,
    });
    assert.equal(response.status, 200, 'the challenge was never bound to the code');
    const tokens = await json(response);
    const account = await json(await get(LEGACY, '/api/v1/accounts/verify_credentials', tokens.access_token));
    assert.equal(account.username, 'katherine');
    assert.equal((await get(LEGACY, '/oauth/userinfo', tokens.access_token)).status, 404);
  });

  test('an app token verifies the app but is no user token', async () => {
    const app = await register(SOCIAL, { scopes: 'read write:statuses' });
    const token = await appToken(SOCIAL, app);
    assert.equal(token.status, 200);
    assert.equal(token.body.scope, 'read', 'client credentials default to read');
    const verified = await json(
      await get(SOCIAL, '/api/v1/apps/verify_credentials', token.body.access_token),
    );
    assert.deepEqual(Object.keys(verified).sort(), [
      'id',
      'name',
      'redirect_uri',
      'redirect_uris',
      'scopes',
      'vapid_key',
      'website',
    ]);
    const me = await get(SOCIAL, '/api/v1/accounts/verify_credentials', token.body.access_token);
    assert.equal(me.status, 422);
    assert.deepEqual(await json(me), { error: 'This method requires an authenticated user' });

    const noRead = await register(SOCIAL, { scopes: 'profile' });
    const refused = await appToken(SOCIAL, noRead);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_scope');
    assert.equal((await appToken(SOCIAL, noRead, 'profile')).status, 200);
  });

  test('verify_credentials without an account scope is outside the authorized scopes', async () => {
    const app = await register(SOCIAL, { scopes: 'write:statuses' });
    const tokens = await connect(SOCIAL, app, undefined, { scope: 'write:statuses' });
    const me = await get(SOCIAL, '/api/v1/accounts/verify_credentials', tokens.access_token);
    assert.equal(me.status, 403);
    assert.deepEqual(await json(me), { error: 'This action is outside the authorized scopes' });
    const none = await get(SOCIAL, '/api/v1/accounts/verify_credentials');
    assert.equal(none.status, 401);
  });

  test('the same app, user and scopes get the same token back, so revoking it ends both connections', async () => {
    const app = await register(SOCIAL);
    const first = await connect(SOCIAL, app, 'md-ada');
    const second = await connect(SOCIAL, app, 'md-ada');
    assert.equal(second.access_token, first.access_token);
    assert.notEqual((await connect(SOCIAL, app, 'md-alan')).access_token, first.access_token);
    await postForm(sb.at(SOCIAL, '/oauth/revoke'), {
      client_id: app.client_id,
      client_secret: app.client_secret,
      token: first.access_token,
    });
    const me = await get(SOCIAL, '/api/v1/accounts/verify_credentials', second.access_token);
    assert.equal(me.status, 401, 'the second connection held the same token');
    const third = await connect(SOCIAL, app, 'md-ada');
    assert.notEqual(third.access_token, first.access_token, 'a revoked token is not handed out again');
  });

  test("revoking another app's token is refused; an unknown token is fine", async () => {
    const mine = await register(SOCIAL);
    const theirs = await register(SOCIAL);
    const tokens = await connect(SOCIAL, theirs);
    const revoke = (token: string, app: App) =>
      postForm(sb.at(SOCIAL, '/oauth/revoke'), {
        client_id: app.client_id,
        client_secret: app.client_secret,
        token,
      });
    const refused = await revoke(tokens.access_token, mine);
    assert.equal(refused.status, 403);
    assert.deepEqual(await json(refused), {
      error: 'unauthorized_client',
      error_description: 'You are not authorized to revoke this token',
    });
    assert.equal((await get(SOCIAL, '/api/v1/accounts/verify_credentials', tokens.access_token)).status, 200);
    const unknown = await revoke('no-such-token', mine);
    assert.equal(unknown.status, 200);
    assert.deepEqual(await json(unknown), {});
  });

  test('a token endpoint answering 500 leaves the code usable once the scenario is switched back', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'mastodon',
      name: 'Flaky',
      username: 'flaky@mastodon.social',
      scenario: { tokenEndpoint: '500' },
    });
    const app = await register(SOCIAL);
    const location = await submitConsent(authorizeUrl(SOCIAL, app), { user: user.id });
    const code = params(location).get('code')!;
    const failed = await exchange(SOCIAL, app, { code });
    assert.equal(failed.status, 500);
    assert.equal((await json(failed)).error, 'server_error');
    await setSandboxScenario(sb.url, user.id, { tokenEndpoint: 'ok' });
    assert.equal((await exchange(SOCIAL, app, { code })).status, 200);
  });

  test('the password and refresh_token grants are not supported', async () => {
    const app = await register(SOCIAL);
    for (const grant_type of ['password', 'refresh_token']) {
      const response = await postForm(sb.at(SOCIAL, '/oauth/token'), {
        grant_type,
        client_id: app.client_id,
        client_secret: app.client_secret,
      });
      assert.equal(response.status, 400);
      assert.equal((await json(response)).error, 'unsupported_grant_type');
    }
  });
});
