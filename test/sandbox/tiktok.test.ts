/** TikTok Login Kit for Web and the v2 API, as a client following developers.tiktok.com sees them. */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.ts';
import { addSandboxUser, setSandboxScenario, submitConsent } from '../support/consent.ts';
import { json, params, pkcePair, postForm, REDIRECT_URI, useTestSandbox } from './helpers.ts';

const { clientId: clientKey, clientSecret } = SANDBOX_CREDENTIALS.tiktok!;
const SCOPES = 'user.info.basic,user.info.profile,video.list';
const DAY = 24 * 3600;

describe('TikTok sandbox', () => {
  const sb = useTestSandbox({
    clients: [{ platform: 'tiktok', clientId: clientKey, clientSecret, redirectUris: [REDIRECT_URI] }],
  });

  let pkce = pkcePair();
  beforeEach(() => {
    pkce = pkcePair();
  });

  function authorizeUrl(overrides: Record<string, string | undefined> = {}) {
    const query: Record<string, string> = {
      client_key: clientKey,
      response_type: 'code',
      scope: SCOPES,
      redirect_uri: REDIRECT_URI,
      state: 'tt-state',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    };
    for (const [key, value] of Object.entries(overrides)) {
      if (value === undefined) delete query[key];
      else query[key] = value;
    }
    return `${sb.at('www.tiktok.com', '/v2/auth/authorize/')}?${new URLSearchParams(query)}`;
  }
  const tokenUrl = () => sb.at('open.tiktokapis.com', '/v2/oauth/token/');
  const exchange = (code: string, extra: Record<string, string> = {}) =>
    postForm(tokenUrl(), {
      client_key: clientKey,
      client_secret: clientSecret,
      code,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
      ...extra,
    });
  const refresh = (refreshToken: string) =>
    postForm(tokenUrl(), {
      client_key: clientKey,
      client_secret: clientSecret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
  const userInfo = (accessToken: string, fields: string) =>
    fetch(`${sb.at('open.tiktokapis.com', '/v2/user/info/')}?fields=${fields}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });

  async function connect(options: Parameters<typeof submitConsent>[1] = {}) {
    const location = await submitConsent(authorizeUrl(), options);
    const response = await exchange(params(location).get('code')!);
    assert.equal(response.status, 200);
    const body = await json(response);
    assert.ok(body.access_token, JSON.stringify(body));
    return body;
  }

  /** TikTok answers OAuth errors with HTTP 200 and `{error, error_description, log_id}`. */
  async function assertOAuthError(response: Response, error: string) {
    assert.equal(response.status, 200);
    const body = await json(response);
    assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description', 'log_id']);
    assert.equal(body.error, error, JSON.stringify(body));
    assert.match(body.log_id, /^\d{14}[0-9A-F]{20}$/);
    return body;
  }

  test('the documented flow with PKCE: authorize, consent, token, user info', async () => {
    const location = await submitConsent(authorizeUrl(), { user: '-000tkGraceHopperSandbox0' });
    assert.ok(location.startsWith(`${REDIRECT_URI}?`));
    const callback = params(location);
    assert.equal(callback.get('state'), 'tt-state');
    assert.equal(callback.get('scopes'), SCOPES, 'the callback lists the granted scopes, comma-separated');

    const response = await exchange(callback.get('code')!);
    assert.equal(response.status, 200);
    const tokens = await json(response);
    assert.deepEqual(Object.keys(tokens).sort(), [
      'access_token',
      'expires_in',
      'open_id',
      'refresh_expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ]);
    assert.equal(tokens.open_id, '-000tkGraceHopperSandbox0');
    assert.equal(tokens.scope, SCOPES);
    assert.equal(tokens.expires_in, 86_400);
    assert.equal(tokens.refresh_expires_in, 31_536_000);
    assert.equal(tokens.token_type, 'Bearer');

    const info = await userInfo(tokens.access_token, 'open_id,union_id,avatar_url,display_name,username');
    assert.equal(info.status, 200);
    const body = await json(info);
    assert.deepEqual(Object.keys(body.data.user).sort(), [
      'avatar_url',
      'display_name',
      'open_id',
      'union_id',
      'username',
    ]);
    assert.equal(body.data.user.open_id, '-000tkGraceHopperSandbox0');
    assert.equal(body.data.user.display_name, 'Grace Hopper');
    assert.equal(body.data.user.username, 'grace_sandbox');
    assert.equal(body.error.code, 'ok');
    assert.equal(body.error.message, '');
    assert.ok(body.error.log_id);
  });

  test('a user who unticks a scope grants the rest: callback, token and user info all show it', async () => {
    const location = await submitConsent(authorizeUrl(), { uncheck: ['user.info.profile'] });
    assert.equal(params(location).get('scopes'), 'user.info.basic,video.list');
    const tokens = await json(await exchange(params(location).get('code')!));
    assert.equal(tokens.scope, 'user.info.basic,video.list');

    const refused = await userInfo(tokens.access_token, 'open_id,display_name,username');
    assert.equal(refused.status, 401);
    const body = await json(refused);
    assert.deepEqual(body.data, {});
    assert.equal(body.error.code, 'scope_not_authorized');

    const basic = await userInfo(tokens.access_token, 'open_id,display_name');
    assert.equal(basic.status, 200);
    assert.equal((await json(basic)).data.user.display_name, 'Ada Lovelace');
  });

  test('user.info.basic is granted even when unticked or not asked for', async () => {
    const unticked = await submitConsent(authorizeUrl(), { uncheck: ['user.info.basic', 'video.list'] });
    assert.equal(params(unticked).get('scopes'), 'user.info.basic,user.info.profile');
    const notAsked = await submitConsent(authorizeUrl({ scope: 'video.list' }));
    assert.equal(params(notAsked).get('scopes'), 'user.info.basic,video.list');
  });

  test('the authorize page refuses client_id in place of client_key', async () => {
    const response = await fetch(authorizeUrl({ client_key: undefined, client_id: clientKey }), {
      redirect: 'manual',
    });
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await response.text(), /client_key is required/);
  });

  test('the token endpoint refuses client_id in place of client_key', async () => {
    const location = await submitConsent(authorizeUrl());
    const response = await postForm(tokenUrl(), {
      client_id: clientKey,
      client_secret: clientSecret,
      code: params(location).get('code')!,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
    });
    const body = await assertOAuthError(response, 'invalid_client');
    assert.match(body.error_description, /client_key/);
  });

  test('a wrong client secret is invalid_client', async () => {
    const location = await submitConsent(authorizeUrl());
    const response = await exchange(params(location).get('code')!, { client_secret: 'wrong' });
    await assertOAuthError(response, 'invalid_client');
  });

  test('an unregistered redirect_uri gets an error page, not a redirect', async () => {
    const response = await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/callback' }), {
      redirect: 'manual',
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /redirect_uri does not match/);
  });

  test('a redirect_uri at the token endpoint other than the authorize one is invalid_grant', async () => {
    const location = await submitConsent(authorizeUrl());
    const response = await exchange(params(location).get('code')!, {
      redirect_uri: `${REDIRECT_URI}/other`,
    });
    await assertOAuthError(response, 'invalid_grant');
  });

  test('an unknown scope is sent back to the app as invalid_scope', async () => {
    const response = await fetch(authorizeUrl({ scope: 'user.info.basic,everything.write' }), {
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    const back = params(response.headers.get('location')!);
    assert.equal(back.get('error'), 'invalid_scope');
    assert.match(back.get('error_description')!, /everything\.write/);
    assert.equal(back.get('state'), 'tt-state');
  });

  test('denying redirects with access_denied, a description and the state', async () => {
    const location = await submitConsent(authorizeUrl(), { decision: 'deny' });
    const back = params(location);
    assert.equal(back.get('error'), 'access_denied');
    assert.ok(back.get('error_description'));
    assert.equal(back.get('state'), 'tt-state');
    assert.equal(back.get('code'), null);
  });

  test('a code works once; its second use is invalid_grant', async () => {
    const location = await submitConsent(authorizeUrl());
    const code = params(location).get('code')!;
    assert.ok((await json(await exchange(code))).access_token);
    await assertOAuthError(await exchange(code), 'invalid_grant');
  });

  test('a wrong code_verifier is refused the way TikTok words it', async () => {
    const location = await submitConsent(authorizeUrl());
    const response = await exchange(params(location).get('code')!, { code_verifier: pkcePair().verifier });
    const body = await assertOAuthError(response, 'invalid_request');
    assert.equal(body.error_description, 'Code verifier or code challenge is invalid.');
  });

  test('the web flow works without PKCE too', async () => {
    const location = await submitConsent(
      authorizeUrl({ code_challenge: undefined, code_challenge_method: undefined }),
    );
    const form = {
      client_key: clientKey,
      client_secret: clientSecret,
      code: params(location).get('code')!,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
    };
    const response = await postForm(tokenUrl(), form);
    assert.ok((await json(response)).access_token);
  });

  test('refreshing rotates the refresh token and the old one is then refused', async () => {
    const tokens = await connect();
    sb.advance(10 * DAY);
    const response = await refresh(tokens.refresh_token);
    assert.equal(response.status, 200);
    const refreshed = await json(response);
    assert.equal(refreshed.open_id, tokens.open_id);
    assert.equal(refreshed.scope, SCOPES);
    assert.equal(refreshed.token_type, 'Bearer');
    assert.equal(refreshed.expires_in, 86_400);
    assert.equal(refreshed.refresh_expires_in, 31_536_000 - 10 * DAY, 'counted from the authorization');
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

    await assertOAuthError(await refresh(tokens.refresh_token), 'invalid_grant');
    assert.equal((await refresh(refreshed.refresh_token)).status, 200);
  });

  test('with refreshRotates: false the same refresh token comes back and keeps working', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'tiktok',
      name: 'Steady',
      scenario: { refreshRotates: false },
    });
    assert.match(user.id, /^-000[A-Za-z0-9_-]+$/, 'a TikTok-style open_id');
    const tokens = await connect({ user: user.id });
    const refreshed = await json(await refresh(tokens.refresh_token));
    assert.equal(refreshed.refresh_token, tokens.refresh_token);
    assert.equal((await refresh(tokens.refresh_token)).status, 200);
  });

  test('an expired access token is access_token_invalid', async () => {
    const tokens = await connect();
    sb.advance(DAY + 1);
    const response = await userInfo(tokens.access_token, 'open_id');
    assert.equal(response.status, 401);
    assert.equal((await json(response)).error.code, 'access_token_invalid');
  });

  test('a token endpoint answering 500 leaves the code usable once switched back', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'tiktok',
      name: 'Flaky',
      scenario: { tokenEndpoint: '500' },
    });
    const location = await submitConsent(authorizeUrl(), { user: user.id });
    const code = params(location).get('code')!;
    const failed = await exchange(code);
    assert.equal(failed.status, 500);
    assert.equal((await json(failed)).error, 'server_error');

    await setSandboxScenario(sb.url, user.id, { tokenEndpoint: 'ok' });
    assert.ok((await json(await exchange(code))).access_token);
  });

  test('a rate-limited token endpoint answers 429 with Retry-After, at refresh too', async () => {
    const user = await addSandboxUser(sb.url, { platform: 'tiktok', name: 'Busy' });
    const tokens = await connect({ user: user.id });
    await setSandboxScenario(sb.url, user.id, { tokenEndpoint: '429' });
    const limited = await refresh(tokens.refresh_token);
    assert.equal(limited.status, 429);
    assert.ok(limited.headers.get('retry-after'));
    assert.ok((await json(limited)).error);
  });

  test('a refreshRevoked user gets invalid_grant on refresh', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'tiktok',
      name: 'Revoked',
      scenario: { refreshRevoked: true },
    });
    const tokens = await connect({ user: user.id });
    await assertOAuthError(await refresh(tokens.refresh_token), 'invalid_grant');
  });

  test('revoking the access token disconnects the app: it and its refresh token stop working', async () => {
    const tokens = await connect();
    const response = await postForm(sb.at('open.tiktokapis.com', '/v2/oauth/revoke/'), {
      client_key: clientKey,
      client_secret: clientSecret,
      token: tokens.access_token,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await json(response), {});

    const info = await userInfo(tokens.access_token, 'open_id');
    assert.equal(info.status, 401);
    assert.equal((await json(info)).error.code, 'access_token_invalid');
    await assertOAuthError(await refresh(tokens.refresh_token), 'invalid_grant');
  });

  test('revoke authenticates the client like the token endpoint', async () => {
    const tokens = await connect();
    const response = await postForm(sb.at('open.tiktokapis.com', '/v2/oauth/revoke/'), {
      client_key: clientKey,
      client_secret: 'wrong',
      token: tokens.access_token,
    });
    await assertOAuthError(response, 'invalid_client');
    assert.equal((await userInfo(tokens.access_token, 'open_id')).status, 200);
  });

  test('user info needs a fields list of documented fields', async () => {
    const tokens = await connect();
    const none = await fetch(sb.at('open.tiktokapis.com', '/v2/user/info/'), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(none.status, 400);
    assert.equal((await json(none)).error.code, 'invalid_params');
    const unknown = await userInfo(tokens.access_token, 'open_id,email');
    assert.equal(unknown.status, 400);
    assert.equal((await json(unknown)).error.code, 'invalid_params');
  });
});
