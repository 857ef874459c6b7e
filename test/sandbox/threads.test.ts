/** Threads: the Authorization Window, code exchange, long-lived tokens and refresh, /me, driven as the docs describe. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.ts';
import { addSandboxUser, setSandboxScenario, submitConsent } from '../support/consent.ts';
import { json, params, postForm, REDIRECT_URI, startTestSandbox, useTestSandbox } from './helpers.ts';

const { clientId, clientSecret } = SANDBOX_CREDENTIALS.threads!;
const SCOPES = 'threads_basic,threads_content_publish,threads_manage_replies';
const ADA = '17841412345678901';
const DAY = 24 * 3600;

describe('Threads sandbox', () => {
  const sb = useTestSandbox();

  const graph = (path: string, host = 'graph.threads.net') => sb.at(host, path);

  function authorizeUrl(extra: Record<string, string> = {}, host = 'threads.net') {
    const query = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: SCOPES,
      response_type: 'code',
      state: 'st-1',
      ...extra,
    });
    return `${sb.at(host, '/oauth/authorize')}?${query}`;
  }

  function exchange(code: string, extra: Record<string, string> = {}) {
    return postForm(graph('/oauth/access_token'), {
      client_id: clientId,
      client_secret: clientSecret,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
      code,
      ...extra,
    });
  }

  function longLived(token: string, secret = clientSecret) {
    const query = new URLSearchParams({
      grant_type: 'th_exchange_token',
      client_secret: secret,
      access_token: token,
    });
    return fetch(`${graph('/access_token')}?${query}`);
  }

  function refresh(token: string) {
    return fetch(`${graph('/refresh_access_token')}?grant_type=th_refresh_token&access_token=${token}`);
  }

  async function shortLivedToken(options: Parameters<typeof submitConsent>[1] = {}) {
    const location = await submitConsent(authorizeUrl(), options);
    const response = await exchange(params(location).get('code')!);
    assert.equal(response.status, 200);
    return (await json(response)).access_token as string;
  }

  async function longLivedToken(options: Parameters<typeof submitConsent>[1] = {}) {
    const response = await longLived(await shortLivedToken(options));
    assert.equal(response.status, 200);
    return (await json(response)) as { access_token: string; token_type: string; expires_in: number };
  }

  test('the documented flow: authorize, code, short-lived token, long-lived token, me', async () => {
    const location = await submitConsent(authorizeUrl(), { user: ADA });
    assert.ok(location.endsWith('#_'), 'Threads appends #_ to the redirect');
    assert.equal(params(location).get('state'), 'st-1');

    const response = await exchange(params(location).get('code')!);
    assert.equal(response.status, 200);
    const text = await response.text();
    const short = JSON.parse(text);
    assert.deepEqual(Object.keys(short).sort(), ['access_token', 'user_id'], 'no expires_in, no token_type');
    assert.match(text, new RegExp(`"user_id":${ADA}\\}`), 'user_id is a JSON number, as in the doc sample');
    assert.notEqual(String(short.user_id), ADA, 'a 17-digit id does not survive JSON.parse as a number');

    const long = await json(await longLived(short.access_token));
    assert.equal(long.token_type, 'bearer');
    assert.equal(long.expires_in, 60 * DAY);
    assert.notEqual(long.access_token, short.access_token);

    const fields = 'id,username,name,threads_profile_picture_url,threads_biography';
    const me = await json(
      await fetch(`${graph('/v1.0/me')}?fields=${fields}&access_token=${long.access_token}`),
    );
    assert.equal(me.id, ADA);
    assert.equal(me.username, 'ada.lovelace');
    assert.equal(me.name, 'Ada Lovelace');
    assert.match(me.threads_profile_picture_url, /^https:\/\//);
    assert.equal(typeof me.threads_biography, 'string');
  });

  test('the current hosts threads.com and graph.threads.com serve the same flow, with a Bearer header', async () => {
    const location = await submitConsent(authorizeUrl({}, 'www.threads.com'));
    const response = await postForm(graph('/oauth/access_token', 'graph.threads.com'), {
      client_id: clientId,
      client_secret: clientSecret,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
      code: params(location).get('code')!,
    });
    const { access_token } = await json(response);
    const me = await json(
      await fetch(graph('/v1.0/me', 'graph.threads.com'), {
        headers: { authorization: `Bearer ${access_token}` },
      }),
    );
    assert.deepEqual(me, { id: ADA }, 'id alone by default');
  });

  test('the code exchange takes a multipart form (the doc sample uses curl -F) or query parameters', async () => {
    const form = new FormData();
    form.set('client_id', clientId);
    form.set('client_secret', clientSecret);
    form.set('grant_type', 'authorization_code');
    form.set('redirect_uri', REDIRECT_URI);
    form.set('code', params(await submitConsent(authorizeUrl())).get('code')!);
    const multipart = await fetch(graph('/oauth/access_token'), { method: 'POST', body: form });
    assert.equal(multipart.status, 200);
    assert.ok((await json(multipart)).access_token);

    const query = new URLSearchParams({
      client_id: clientId,
      client_secret: clientSecret,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
      code: params(await submitConsent(authorizeUrl())).get('code')!,
    });
    const viaQuery = await fetch(`${graph('/oauth/access_token')}?${query}`, { method: 'POST' });
    assert.equal(viaQuery.status, 200);
  });

  test('a code works once; a second exchange gets the documented rejection', async () => {
    const code = params(await submitConsent(authorizeUrl())).get('code')!;
    assert.equal((await exchange(code)).status, 200);
    const reused = await exchange(code);
    assert.equal(reused.status, 400);
    assert.deepEqual(await json(reused), {
      error_type: 'OAuthException',
      code: 400,
      error_message: 'Matching code was not found or was already used',
    });
  });

  test('a code lives one hour', async () => {
    const code = params(await submitConsent(authorizeUrl())).get('code')!;
    sb.advance(3601);
    const response = await exchange(code);
    assert.equal(response.status, 400);
    assert.match((await json(response)).error_message, /expired/);
  });

  test('a wrong app secret is refused at the code exchange', async () => {
    const code = params(await submitConsent(authorizeUrl())).get('code')!;
    const response = await exchange(code, { client_secret: 'nope' });
    assert.equal(response.status, 400);
    const body = await json(response);
    assert.equal(body.error_type, 'OAuthException');
    assert.equal(body.error_message, 'Error validating client secret.');
  });

  test('the code exchange needs the redirect_uri of the authorization request', async () => {
    const code = params(await submitConsent(authorizeUrl())).get('code')!;
    const response = await exchange(code, { redirect_uri: 'https://app.example/other' });
    assert.equal(response.status, 400);
    assert.match((await json(response)).error_message, /redirect_uri/);
  });

  test('an unregistered redirect_uri gets an error page, not a redirect', async () => {
    const strict = await startTestSandbox({
      clients: [{ platform: 'threads', clientId, clientSecret, redirectUris: [REDIRECT_URI] }],
    });
    try {
      const query = new URLSearchParams({
        client_id: clientId,
        redirect_uri: `${REDIRECT_URI}/`,
        scope: SCOPES,
        response_type: 'code',
      });
      const response = await fetch(`${strict.at('threads.net', '/oauth/authorize')}?${query}`, {
        redirect: 'manual',
      });
      assert.equal(response.status, 400);
      assert.match(await response.text(), /redirect_uri/);
    } finally {
      await strict.close();
    }
  });

  test('an authorization request without threads_basic is refused', async () => {
    const response = await fetch(authorizeUrl({ scope: 'threads_content_publish' }), { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /threads_basic is required/);
  });

  test('denying redirects with access_denied, error_reason=user_denied, a description and the state', async () => {
    const location = await submitConsent(authorizeUrl(), { decision: 'deny' });
    const p = params(location);
    assert.equal(p.get('error'), 'access_denied');
    assert.equal(p.get('error_reason'), 'user_denied');
    assert.equal(p.get('error_description'), 'The user denied your request');
    assert.equal(p.get('state'), 'st-1');
    assert.equal(p.get('code'), null);
  });

  test('an unticked optional permission is not granted; threads_basic always is', async () => {
    const scope = 'threads_basic threads_content_publish threads_manage_insights';
    const location = await submitConsent(authorizeUrl({ scope }), {
      uncheck: ['threads_basic', 'threads_manage_insights'],
    });
    const { access_token } = await json(await exchange(params(location).get('code')!));
    const debug = await json(
      await fetch(`${graph('/v1.0/debug_token')}?access_token=${access_token}&input_token=${access_token}`),
    );
    assert.deepEqual(debug.data.scopes, ['threads_basic', 'threads_content_publish']);
    assert.equal(debug.data.type, 'USER');
    assert.equal(debug.data.is_valid, true);
    assert.equal(debug.data.user_id, ADA);
    assert.equal(debug.data.expires_at - debug.data.issued_at, 3600);
  });

  test('a long-lived token cannot be exchanged again, nor an expired short-lived one', async () => {
    const long = await longLivedToken();
    const again = await longLived(long.access_token);
    assert.equal(again.status, 400);
    assert.equal((await json(again)).error.code, 100);

    const short = await shortLivedToken();
    sb.advance(3601);
    const expired = await longLived(short);
    assert.equal(expired.status, 400);
    const { error } = await json(expired);
    assert.equal(error.code, 190);
    assert.equal(error.error_subcode, 463);
  });

  test('the long-lived exchange needs the secret of the app the token belongs to', async () => {
    const response = await longLived(await shortLivedToken(), 'nope');
    assert.equal(response.status, 400);
    const { error } = await json(response);
    assert.equal(error.type, 'OAuthException');
    assert.equal(error.message, 'Error validating client secret.');
  });

  test('a long-lived token can be refreshed only once it is 24 hours old, for 60 days from then', async () => {
    const long = await longLivedToken();
    sb.advance(DAY - 60);
    const early = await refresh(long.access_token);
    assert.equal(early.status, 400);
    assert.match((await json(early)).error.message, /24 hours/);

    sb.advance(60);
    const refreshed = await refresh(long.access_token);
    assert.equal(refreshed.status, 200);
    const body = await json(refreshed);
    assert.equal(body.token_type, 'bearer');
    assert.equal(body.expires_in, 60 * DAY);

    // The old token keeps its own expiry (59 days left); the new one lasts 60 days from the refresh.
    sb.advance(59 * DAY + 1);
    const old = await fetch(`${graph('/v1.0/me')}?access_token=${long.access_token}`);
    assert.equal((await json(old)).error.code, 190);
    const current = await fetch(`${graph('/v1.0/me')}?access_token=${body.access_token}`);
    assert.equal((await json(current)).id, ADA);
  });

  test('the refresh also takes a POST form, and refuses a short-lived token', async () => {
    const short = await shortLivedToken();
    const response = await postForm(graph('/refresh_access_token'), {
      grant_type: 'th_refresh_token',
      access_token: short,
    });
    assert.equal(response.status, 400);
    assert.match((await json(response)).error.message, /long-lived/);

    const long = await longLivedToken();
    sb.advance(DAY);
    const viaPost = await postForm(graph('/refresh_access_token'), {
      grant_type: 'th_refresh_token',
      access_token: long.access_token,
    });
    assert.equal(viaPost.status, 200);
  });

  test('an expired long-lived token cannot be refreshed', async () => {
    const long = await longLivedToken();
    sb.advance(60 * DAY + 1);
    const response = await refresh(long.access_token);
    assert.equal(response.status, 400);
    const { error } = await json(response);
    assert.equal(error.code, 190);
    assert.equal(error.error_subcode, 463);
  });

  test("a user's accessTtlSeconds sets the long-lived token's lifetime, not the short-lived one's", async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'threads',
      name: 'Brief',
      scenario: { accessTtlSeconds: 2 * DAY },
    });
    assert.match(user.id, /^\d{17}$/);
    const short = await shortLivedToken({ user: user.id });
    const debug = await json(
      await fetch(`${graph('/debug_token')}?access_token=${short}&input_token=${short}`),
    );
    assert.equal(debug.data.expires_at - debug.data.issued_at, 3600);
    assert.equal((await json(await longLived(short))).expires_in, 2 * DAY);
  });

  test('refreshRevoked refuses the refresh', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'threads',
      name: 'Revoked',
      scenario: { refreshRevoked: true },
    });
    const long = await longLivedToken({ user: user.id });
    sb.advance(DAY);
    const response = await refresh(long.access_token);
    assert.equal(response.status, 400);
    assert.equal((await json(response)).error.code, 190);
  });

  test('the 500 and 429 scenarios hit the code exchange, the long-lived exchange and the refresh', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'threads',
      name: 'Flaky',
      scenario: { tokenEndpoint: '500' },
    });
    const setScenario = (tokenEndpoint: 'ok' | '500' | '429') =>
      setSandboxScenario(sb.url, user.id, { tokenEndpoint });
    const code = params(await submitConsent(authorizeUrl(), { user: user.id })).get('code')!;
    const failed = await exchange(code);
    assert.equal(failed.status, 500);
    assert.equal((await json(failed)).error_type, 'OAuthException');

    await setScenario('ok');
    const { access_token: short } = await json(await exchange(code));
    assert.ok(short, 'the code was not consumed by the failed attempt');

    await setScenario('429');
    const limited = await longLived(short);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.equal((await json(limited)).error.code, 4);

    await setScenario('ok');
    const { access_token: long } = await json(await longLived(short));
    sb.advance(DAY);
    await setScenario('500');
    const down = await refresh(long);
    assert.equal(down.status, 500);
    assert.equal((await json(down)).error.code, 2);
  });

  test('me answers an invalid token with code 190 and an unknown field with code 100', async () => {
    const bad = await fetch(`${graph('/v1.0/me')}?access_token=garbage`);
    assert.equal(bad.status, 400);
    const { error } = await json(bad);
    assert.equal(error.type, 'OAuthException');
    assert.equal(error.code, 190);
    assert.ok(error.fbtrace_id);

    const token = await shortLivedToken();
    const unknown = await json(
      await fetch(`${graph('/v1.0/me')}?fields=id,favourite_colour&access_token=${token}`),
    );
    assert.equal(unknown.error.code, 100);
    assert.match(unknown.error.message, /favourite_colour/);
  });

  test('only the app-scoped user can be read', async () => {
    const token = await shortLivedToken();
    const own = await json(await fetch(`${graph(`/v1.0/${ADA}`)}?fields=username&access_token=${token}`));
    assert.deepEqual(own, { username: 'ada.lovelace', id: ADA });
    const other = await json(await fetch(`${graph('/v1.0/17841423456789013')}?access_token=${token}`));
    assert.equal(other.error.code, 100);
  });

  test('debug_token says an unknown token is not valid and an expired one no longer is', async () => {
    const token = await shortLivedToken();
    const unknown = await json(
      await fetch(`${graph('/v1.0/debug_token')}?access_token=${token}&input_token=garbage`),
    );
    assert.equal(unknown.data.is_valid, false);
    assert.deepEqual(unknown.data.scopes, []);

    const long = await longLivedToken();
    sb.advance(3601);
    const debug = await json(
      await fetch(`${graph('/v1.0/debug_token')}?access_token=${long.access_token}&input_token=${token}`),
    );
    assert.equal(debug.data.is_valid, false, 'the short-lived token expired after an hour');
    assert.equal(debug.data.user_id, ADA);
  });
});
