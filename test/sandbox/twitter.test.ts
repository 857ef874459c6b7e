/** X (Twitter) as a client following https://docs.x.com/fundamentals/authentication/oauth-2-0/ sees it. */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.ts';
import { submitConsent } from '../support/consent.ts';
import { basic, json, params, pkcePair, postForm, REDIRECT_URI, useTestSandbox } from './helpers.ts';

const { clientId, clientSecret } = SANDBOX_CREDENTIALS.twitter!;
const AUTH = basic(clientId, clientSecret);
const SCOPES = 'tweet.read users.read tweet.write offline.access';

describe('X sandbox', () => {
  const sb = useTestSandbox({
    clients: [
      { platform: 'twitter', clientId, clientSecret },
      { platform: 'twitter', clientId: 'native-app', clientSecret: '' },
    ],
  });

  function authorizeUrl(overrides: Record<string, string | undefined> = {}, host = 'x.com') {
    const { challenge } = pkce;
    const query: Record<string, string> = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: SCOPES,
      state: 'state-123',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) delete query[key];
      else query[key] = value;
    }
    return `${sb.at(host, '/i/oauth2/authorize')}?${new URLSearchParams(query)}`;
  }
  let pkce = pkcePair();
  beforeEach(() => {
    pkce = pkcePair();
  });

  async function connect(options: Parameters<typeof submitConsent>[1] = {}, host = 'x.com') {
    const location = await submitConsent(authorizeUrl({}, host), options);
    const code = params(location).get('code');
    assert.ok(code, location);
    const response = await postForm(
      sb.at(host === 'x.com' ? 'api.x.com' : 'api.twitter.com', '/2/oauth2/token'),
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier },
      { authorization: AUTH },
    );
    assert.equal(response.status, 200);
    return json(response);
  }

  test('the documented flow: authorize, consent, token, users/me, refresh, revoke', async () => {
    const location = await submitConsent(authorizeUrl(), { user: 'tw-grace' });
    assert.ok(location.startsWith(`${REDIRECT_URI}?`));
    assert.equal(params(location).get('state'), 'state-123');

    const tokens = await json(
      await postForm(
        sb.at('api.x.com', '/2/oauth2/token'),
        {
          grant_type: 'authorization_code',
          code: params(location).get('code')!,
          redirect_uri: REDIRECT_URI,
          code_verifier: pkce.verifier,
        },
        { authorization: AUTH },
      ),
    );
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 7200);
    assert.equal(tokens.scope, SCOPES);
    assert.ok(tokens.access_token && tokens.refresh_token);

    const me = await fetch(`${sb.at('api.x.com', '/2/users/me')}?user.fields=profile_image_url`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.status, 200);
    const { data } = await json(me);
    assert.equal(data.id, 'tw-grace');
    assert.equal(data.name, 'Grace Hopper');
    assert.equal(data.username, 'grace_sandbox');
    assert.match(data.profile_image_url, /_normal\.png$/);

    const refreshed = await json(
      await postForm(
        sb.at('api.x.com', '/2/oauth2/token'),
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        { authorization: AUTH },
      ),
    );
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'the refresh token rotates');
    assert.notEqual(refreshed.access_token, tokens.access_token);

    const revoked = await postForm(
      sb.at('api.x.com', '/2/oauth2/revoke'),
      { token: refreshed.refresh_token, token_type_hint: 'refresh_token' },
      { authorization: AUTH },
    );
    assert.equal(revoked.status, 200);
    assert.deepEqual(await json(revoked), { revoked: true });
    const after = await fetch(sb.at('api.x.com', '/2/users/me'), {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(after.status, 401, 'revoking the refresh token ends the grant');
  });

  test('a used refresh token dies when X rotates it', async () => {
    const tokens = await connect();
    const refresh = (token: string) =>
      postForm(
        sb.at('api.x.com', '/2/oauth2/token'),
        { grant_type: 'refresh_token', refresh_token: token },
        { authorization: AUTH },
      );
    assert.equal((await refresh(tokens.refresh_token)).status, 200);
    const again = await refresh(tokens.refresh_token);
    assert.equal(again.status, 400);
    assert.equal((await json(again)).error, 'invalid_grant');
  });

  test('twitter.com and api.twitter.com serve the same flow', async () => {
    const tokens = await connect({}, 'twitter.com');
    const me = await fetch(sb.at('api.twitter.com', '/2/users/me'), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal((await json(me)).data.id, 'tw-ada');
  });

  test('X refuses an authorize request without PKCE', async () => {
    const response = await fetch(
      authorizeUrl({ code_challenge: undefined, code_challenge_method: undefined }),
      {
        redirect: 'manual',
      },
    );
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await response.text(), /code_challenge is required/);
  });

  test('X refuses an authorize request without state', async () => {
    const response = await fetch(authorizeUrl({ state: undefined }), { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /state is required/);
  });

  test('X refuses an unknown scope on its own page', async () => {
    const response = await fetch(authorizeUrl({ scope: 'tweet.read everything.write' }), {
      redirect: 'manual',
    });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /everything\.write/);
  });

  test('a plain PKCE challenge works too', async () => {
    const location = await submitConsent(
      authorizeUrl({ code_challenge: pkce.verifier, code_challenge_method: 'plain' }),
    );
    const response = await postForm(
      sb.at('api.x.com', '/2/oauth2/token'),
      {
        grant_type: 'authorization_code',
        code: params(location).get('code')!,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce.verifier,
      },
      { authorization: AUTH },
    );
    assert.equal(response.status, 200);
  });

  test('a wrong code_verifier is refused with invalid_grant', async () => {
    const location = await submitConsent(authorizeUrl());
    const response = await postForm(
      sb.at('api.x.com', '/2/oauth2/token'),
      {
        grant_type: 'authorization_code',
        code: params(location).get('code')!,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkcePair().verifier,
      },
      { authorization: AUTH },
    );
    assert.equal(response.status, 400);
    assert.equal((await json(response)).error, 'invalid_grant');
  });

  test('a confidential client must use HTTP Basic at the token endpoint', async () => {
    const location = await submitConsent(authorizeUrl());
    const response = await postForm(sb.at('api.x.com', '/2/oauth2/token'), {
      grant_type: 'authorization_code',
      code: params(location).get('code')!,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
      client_id: clientId,
      client_secret: clientSecret,
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await json(response), {
      error: 'unauthorized_client',
      error_description: 'Missing valid authorization header',
    });
  });

  test('a wrong client secret is refused with invalid_client', async () => {
    const location = await submitConsent(authorizeUrl());
    const response = await postForm(
      sb.at('api.x.com', '/2/oauth2/token'),
      {
        grant_type: 'authorization_code',
        code: params(location).get('code')!,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce.verifier,
      },
      { authorization: basic(clientId, 'wrong') },
    );
    assert.equal(response.status, 401);
    assert.equal((await json(response)).error, 'invalid_client');
  });

  test('a public client identifies itself with client_id in the body', async () => {
    const location = await submitConsent(authorizeUrl({ client_id: 'native-app' }));
    const response = await postForm(sb.at('api.x.com', '/2/oauth2/token'), {
      grant_type: 'authorization_code',
      code: params(location).get('code')!,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
      client_id: 'native-app',
    });
    assert.equal(response.status, 200);
  });

  test('no refresh token is issued without offline.access', async () => {
    const tokens = await connect({ uncheck: ['offline.access'] });
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.scope, 'tweet.read users.read tweet.write');
  });

  test('unticked X scopes are not granted', async () => {
    const tokens = await connect({ uncheck: ['tweet.write'] });
    assert.equal(tokens.scope, 'tweet.read users.read offline.access');
  });

  test('users/me without users.read is forbidden', async () => {
    const tokens = await connect({ uncheck: ['users.read'] });
    const me = await fetch(sb.at('api.x.com', '/2/users/me'), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.status, 403);
    assert.equal((await json(me)).title, 'Forbidden');
  });

  test('an expired X access token gets 401 in X problem shape', async () => {
    const tokens = await connect();
    sb.advance(7201);
    const me = await fetch(sb.at('api.x.com', '/2/users/me'), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.status, 401);
    assert.deepEqual(await json(me), {
      title: 'Unauthorized',
      type: 'about:blank',
      status: 401,
      detail: 'Unauthorized',
    });
  });

  test('denying redirects with error=access_denied and the state', async () => {
    const location = await submitConsent(authorizeUrl(), { decision: 'deny' });
    assert.equal(params(location).get('error'), 'access_denied');
    assert.equal(params(location).get('state'), 'state-123');
    assert.equal(params(location).get('code'), null);
  });

  test('revoking an access token ends that token only', async () => {
    const tokens = await connect();
    await postForm(
      sb.at('api.x.com', '/2/oauth2/revoke'),
      { token: tokens.access_token, token_type_hint: 'access_token' },
      { authorization: AUTH },
    );
    const me = await fetch(sb.at('api.x.com', '/2/users/me'), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.status, 401);
    const refreshed = await postForm(
      sb.at('api.x.com', '/2/oauth2/token'),
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { authorization: AUTH },
    );
    assert.equal(refreshed.status, 200);
  });
});
