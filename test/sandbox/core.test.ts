/** The simulator's shared core: routing and host overrides, consent page, codes, scenarios, control API. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SANDBOX_CREDENTIALS, sandboxHostOverrides, startSandboxServer } from '../../src/sandbox/index.ts';
import { addSandboxUser, setSandboxScenario, submitConsent } from '../support/consent.ts';
import {
  basic,
  type Json,
  json,
  params,
  pkcePair,
  postForm,
  REDIRECT_URI,
  startTestSandbox,
  type TestSandbox,
  useTestSandbox,
} from './helpers.ts';

const X = SANDBOX_CREDENTIALS.twitter!;
const X_AUTH = basic(X.clientId, X.clientSecret);

/** One X authorization through the consent page; returns what the token endpoint needs. */
async function authorizeX(
  sb: TestSandbox,
  options: Parameters<typeof submitConsent>[1] = {},
  redirectUri = REDIRECT_URI,
) {
  const { verifier, challenge } = pkcePair();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: X.clientId,
    redirect_uri: redirectUri,
    scope: 'tweet.read users.read offline.access',
    state: 's',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const location = await submitConsent(`${sb.at('x.com', '/i/oauth2/authorize')}?${query}`, options);
  return { code: params(location).get('code')!, verifier, location };
}

function exchangeX(sb: TestSandbox, code: string, verifier: string, redirectUri = REDIRECT_URI) {
  return postForm(
    sb.at('api.x.com', '/2/oauth2/token'),
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
    { authorization: X_AUTH },
  );
}

describe('sandbox core', () => {
  const sb = useTestSandbox({ hangMs: 50 });

  test('the override map sends every imitated host to its path under the sandbox', () => {
    const map = sandboxHostOverrides('http://127.0.0.1:3000/sandbox');
    for (const host of [
      'x.com',
      'twitter.com',
      'api.x.com',
      'api.twitter.com',
      'www.facebook.com',
      'graph.facebook.com',
      'www.linkedin.com',
      'api.linkedin.com',
    ]) {
      assert.equal(map[host], `http://127.0.0.1:3000/sandbox/${host}`);
    }
    assert.ok(sb.url.startsWith('http://127.0.0.1:') && sb.url.endsWith('/sandbox'));
    assert.equal(sb.overrides['api.x.com'], `${sb.url}/api.x.com`);
  });

  test('every platform has a default client', () => {
    assert.deepEqual(SANDBOX_CREDENTIALS.twitter, {
      clientId: 'sandbox-twitter-client',
      clientSecret: 'sandbox-twitter-secret',
    });
    assert.ok(SANDBOX_CREDENTIALS.facebook && SANDBOX_CREDENTIALS.linkedin);
  });

  test('the consent page is a plain form with stable ids, one checkbox per scope, ticked by default', async () => {
    const { challenge } = pkcePair();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: X.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'tweet.read users.read',
      state: 's',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const response = await fetch(`${sb.at('x.com', '/i/oauth2/authorize')}?${query}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<form method="post" action="\/sandbox\/x\.com\/i\/oauth2\/authorize">/);
    assert.match(html, /<select id="user" name="user">/);
    assert.match(
      html,
      /<input type="checkbox" id="scope-0" name="scope" value="tweet.read" checked><label for="scope-0">tweet.read<\/label>/,
    );
    assert.match(html, /<input type="checkbox" id="scope-1" name="scope" value="users.read" checked>/);
    assert.match(html, /<button type="submit" id="approve" name="decision" value="approve">/);
    assert.match(html, /<button type="submit" id="deny" name="decision" value="deny">/);
    assert.match(html, /<input type="hidden" name="pending" value="[^"]+">/);
    assert.doesNotMatch(html, /<script/);
  });

  test('names echoed into the consent page are escaped', async () => {
    await addSandboxUser(sb.url, {
      platform: 'twitter',
      id: 'tw-evil',
      name: '<img src=x onerror=alert(1)>',
    });
    const { challenge } = pkcePair();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: X.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'tweet.read',
      state: 's',
      code_challenge: challenge,
    });
    const html = await (await fetch(`${sb.at('x.com', '/i/oauth2/authorize')}?${query}`)).text();
    assert.ok(!html.includes('<img'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  test('a consent page can be answered only once', async () => {
    const { challenge } = pkcePair();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: X.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'tweet.read',
      state: 's',
      code_challenge: challenge,
    });
    const html = await (await fetch(`${sb.at('x.com', '/i/oauth2/authorize')}?${query}`)).text();
    const pending = /name="pending" value="([^"]+)"/.exec(html)![1]!;
    const answer = () =>
      postForm(sb.at('x.com', '/i/oauth2/authorize'), {
        pending,
        user: 'tw-ada',
        scope: 'tweet.read',
        decision: 'approve',
      });
    const first = await answer();
    assert.equal(first.status, 302);
    await first.text();
    const second = await answer();
    assert.equal(second.status, 400);
  });

  test('a reused authorization code is refused', async () => {
    const { code, verifier } = await authorizeX(sb);
    assert.equal((await exchangeX(sb, code, verifier)).status, 200);
    const again = await exchangeX(sb, code, verifier);
    assert.equal(again.status, 400);
    assert.equal((await json(again)).error, 'invalid_grant');
  });

  test('an authorization code older than ten minutes is refused', async () => {
    const { code, verifier } = await authorizeX(sb);
    sb.advance(601);
    const response = await exchangeX(sb, code, verifier);
    assert.equal((await json(response)).error, 'invalid_grant');
  });

  test('the token endpoint requires the redirect_uri of the authorize request', async () => {
    const { code, verifier } = await authorizeX(sb);
    const response = await exchangeX(sb, code, verifier, 'https://app.example/elsewhere');
    assert.equal(response.status, 400);
    assert.equal((await json(response)).error, 'invalid_grant');
  });

  test('with registered redirect URIs only an exact match is accepted, and a mismatch is a page, not a redirect', async () => {
    const strict = await startSandboxServer({
      clients: [
        { platform: 'twitter', clientId: 'strict', clientSecret: 's3cret', redirectUris: [REDIRECT_URI] },
      ],
    });
    try {
      const url = (redirectUri: string) =>
        `${strict.url}/x.com/i/oauth2/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: 'strict',
          redirect_uri: redirectUri,
          scope: 'tweet.read',
          state: 's',
          code_challenge: 'c'.repeat(43),
        })}`;
      for (const bad of [`${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, 'https://evil.example/callback']) {
        const response = await fetch(url(bad), { redirect: 'manual' });
        assert.equal(response.status, 400, bad);
        assert.equal(response.headers.get('location'), null);
      }
      assert.equal((await fetch(url(REDIRECT_URI), { redirect: 'manual' })).status, 200);
      const unknown = await fetch(
        url(REDIRECT_URI).replace('client_id=strict', 'client_id=sandbox-twitter-client'),
      );
      assert.equal(unknown.status, 400, 'configured clients replace the defaults');
    } finally {
      await strict.close();
    }
  });

  test('the control API adds, lists and updates users', async () => {
    const added = await fetch(`${sb.url}/_control/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        platform: 'linkedin',
        name: 'Lin Ked',
        scenario: { targets: 'none', accessTtlSeconds: 5 },
      }),
    });
    assert.equal(added.status, 201);
    const user = await json(added);
    assert.match(user.id, /^li-/);
    assert.equal(user.scenario.tokenEndpoint, 'ok');
    assert.deepEqual(user.targets, []);

    const listed = await json(await fetch(`${sb.url}/_control/users?platform=linkedin`));
    assert.deepEqual(
      listed.users.map((u: Json) => u.id),
      ['li-ada', 'li-noah', user.id],
    );

    const patched = await fetch(`${sb.url}/_control/users/${user.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario: { targets: 'default' } }),
    });
    const updated = await json(patched);
    assert.equal(updated.targets.length, 2);
    assert.equal(updated.scenario.accessTtlSeconds, 5, 'unchanged fields stay');
  });

  test('the control API refuses bad input', async () => {
    const post = (body: unknown) =>
      fetch(`${sb.url}/_control/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await post({ platform: 'myspace', name: 'Tom' })).status, 400);
    assert.equal((await post({ platform: 'twitter' })).status, 400);
    assert.equal(
      (await post({ platform: 'twitter', name: 'T', scenario: { tokenEndpoint: '418' } })).status,
      400,
    );
    assert.equal((await post({ platform: 'twitter', name: 'T', scenario: { sleepy: true } })).status, 400);
    assert.equal((await post({ platform: 'twitter', id: 'tw-ada', name: 'Again' })).status, 409);
  });

  test('reset forgets added users and every token', async () => {
    await addSandboxUser(sb.url, { platform: 'twitter', id: 'tw-temp', name: 'Temp' });
    const { code, verifier } = await authorizeX(sb);
    const tokens = await json(await exchangeX(sb, code, verifier));
    await fetch(`${sb.url}/_control/reset`, { method: 'POST' });
    const users = await json(await fetch(`${sb.url}/_control/users?platform=twitter`));
    assert.deepEqual(
      users.users.map((u: Json) => u.id),
      ['tw-ada', 'tw-grace'],
    );
    const me = await fetch(sb.at('api.x.com', '/2/users/me'), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.status, 401);
  });

  test('a token that expires in N seconds (accessTtlSeconds)', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'twitter',
      name: 'Brief',
      scenario: { accessTtlSeconds: 30 },
    });
    const { code, verifier } = await authorizeX(sb, { user: user.id });
    const tokens = await json(await exchangeX(sb, code, verifier));
    assert.equal(tokens.expires_in, 30);
    const me = () =>
      fetch(sb.at('api.x.com', '/2/users/me'), {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
    assert.equal((await me()).status, 200);
    sb.advance(31);
    assert.equal((await me()).status, 401);
  });

  test('a refresh token that does not rotate (refreshRotates: false) keeps working', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'twitter',
      name: 'Steady',
      scenario: { refreshRotates: false },
    });
    const { code, verifier } = await authorizeX(sb, { user: user.id });
    const tokens = await json(await exchangeX(sb, code, verifier));
    const refresh = () =>
      postForm(
        sb.at('api.x.com', '/2/oauth2/token'),
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        { authorization: X_AUTH },
      );
    assert.equal((await json(await refresh())).refresh_token, tokens.refresh_token);
    assert.equal((await refresh()).status, 200);
  });

  test('a revoked refresh token (refreshRevoked) answers invalid_grant', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'linkedin',
      name: 'Revoked',
      scenario: { refreshRevoked: true },
    });
    const li = SANDBOX_CREDENTIALS.linkedin!;
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: li.clientId,
      redirect_uri: REDIRECT_URI,
      state: 's',
      scope: 'openid profile',
    });
    const location = await submitConsent(`${sb.at('www.linkedin.com', '/oauth/v2/authorization')}?${query}`, {
      user: user.id,
    });
    const form = { client_id: li.clientId, client_secret: li.clientSecret };
    const tokens = await json(
      await postForm(sb.at('www.linkedin.com', '/oauth/v2/accessToken'), {
        ...form,
        grant_type: 'authorization_code',
        code: params(location).get('code')!,
        redirect_uri: REDIRECT_URI,
      }),
    );
    const refreshed = await postForm(sb.at('www.linkedin.com', '/oauth/v2/accessToken'), {
      ...form,
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    assert.equal(refreshed.status, 400);
    assert.equal((await json(refreshed)).error, 'invalid_grant');
  });

  test('a token endpoint answering 500 leaves the code usable once the scenario is switched back', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'twitter',
      name: 'Flaky',
      scenario: { tokenEndpoint: '500' },
    });
    const { code, verifier } = await authorizeX(sb, { user: user.id });
    const failed = await exchangeX(sb, code, verifier);
    assert.equal(failed.status, 500);
    await failed.text();
    await setSandboxScenario(sb.url, user.id, { tokenEndpoint: 'ok' });
    assert.equal((await exchangeX(sb, code, verifier)).status, 200);
  });

  test('a token endpoint answering 429 says when to retry', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'facebook',
      name: 'Busy',
      scenario: { tokenEndpoint: '429' },
    });
    const fb = SANDBOX_CREDENTIALS.facebook!;
    const query = new URLSearchParams({
      client_id: fb.clientId,
      redirect_uri: REDIRECT_URI,
      state: 's',
      scope: 'pages_show_list',
    });
    const location = await submitConsent(`${sb.at('www.facebook.com', '/v22.0/dialog/oauth')}?${query}`, {
      user: user.id,
    });
    const exchange = new URLSearchParams({
      client_id: fb.clientId,
      client_secret: fb.clientSecret,
      redirect_uri: REDIRECT_URI,
      code: params(location).get('code')!,
    });
    const response = await fetch(`${sb.at('graph.facebook.com', '/v22.0/oauth/access_token')}?${exchange}`);
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '60');
    assert.equal((await json(response)).error.code, 4);
  });

  test('a hanging token endpoint answers 504 after hangMs', async () => {
    const user = await addSandboxUser(sb.url, {
      platform: 'twitter',
      name: 'Slow',
      scenario: { tokenEndpoint: 'hang' },
    });
    const { code, verifier } = await authorizeX(sb, { user: user.id });
    const response = await exchangeX(sb, code, verifier);
    assert.equal(response.status, 504);
  });

  test('a hanging request does not keep the server from closing', async () => {
    const own = await startTestSandbox({ hangMs: 60_000 });
    const user = await addSandboxUser(own.url, {
      platform: 'twitter',
      name: 'Stuck',
      scenario: { tokenEndpoint: 'hang' },
    });
    const { code, verifier } = await authorizeX(own, { user: user.id });
    const pending = exchangeX(own, code, verifier).then(
      (r) => r.status,
      () => 'aborted',
    );
    // Wait until the request is being held, then close.
    await new Promise((resolve) => setImmediate(resolve));
    const started = Date.now();
    await own.close();
    assert.ok(Date.now() - started < 5_000, 'close did not wait for hangMs');
    assert.ok([504, 'aborted'].includes(await pending));
  });

  test('unknown sandbox routes answer 404 JSON', async () => {
    const response = await fetch(`${sb.url}/api.x.com/1.1/statuses/update.json`, { method: 'POST' });
    assert.equal(response.status, 404);
    assert.equal((await json(response)).error, 'not_found');
  });
});
