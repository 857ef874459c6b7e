/** Facebook Login and the Graph API calls of a Pages integration, driven the way the docs describe. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.ts';
import { addSandboxUser, submitConsent } from '../support/consent.ts';
import {
  type Json,
  json,
  params,
  pkcePair,
  postForm,
  REDIRECT_URI,
  startTestSandbox,
  useTestSandbox,
} from './helpers.ts';

const { clientId, clientSecret } = SANDBOX_CREDENTIALS.facebook!;
const SCOPES = 'pages_show_list,pages_manage_posts,pages_read_engagement,business_management';

describe('Facebook sandbox', () => {
  const sb = useTestSandbox();

  const graph = (path: string) => sb.at('graph.facebook.com', `/v22.0${path}`);
  /** Follows a Graph URL as given (real host), the way Portico rewrites every platform URL. */
  const rewrite = (url: string) => {
    const parsed = new URL(url);
    return `${sb.overrides[parsed.hostname]}${parsed.pathname}${parsed.search}`;
  };

  function dialogUrl(extra: Record<string, string> = {}) {
    const query = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      state: 'st-1',
      scope: SCOPES,
      response_type: 'code',
      ...extra,
    });
    return `${sb.at('www.facebook.com', '/v22.0/dialog/oauth')}?${query}`;
  }

  async function exchange(code: string, extra: Record<string, string> = {}) {
    const query = new URLSearchParams({
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uri: REDIRECT_URI,
      code,
      ...extra,
    });
    return fetch(`${graph('/oauth/access_token')}?${query}`);
  }

  async function login(
    options: Parameters<typeof submitConsent>[1] = {},
    extra: Record<string, string> = {},
  ) {
    const location = await submitConsent(dialogUrl(extra), options);
    const response = await exchange(params(location).get('code')!);
    assert.equal(response.status, 200);
    return (await json(response)).access_token as string;
  }

  async function longLived(shortToken: string) {
    const query = new URLSearchParams({
      grant_type: 'fb_exchange_token',
      client_id: clientId,
      client_secret: clientSecret,
      fb_exchange_token: shortToken,
    });
    return json(await fetch(`${graph('/oauth/access_token')}?${query}`));
  }

  test('the documented flow: dialog, code exchange, long-lived token, me, Pages, permissions, de-authorize', async () => {
    const location = await submitConsent(dialogUrl(), { user: 'fb-ada' });
    assert.ok(location.endsWith('#_=_'), 'Facebook appends #_=_');
    assert.equal(params(location).get('state'), 'st-1');

    const short = await json(await exchange(params(location).get('code')!));
    assert.equal(short.token_type, 'bearer');
    assert.ok(short.expires_in > 0 && short.expires_in <= 2 * 3600, 'short-lived: an hour or two');

    const long = await longLived(short.access_token);
    assert.ok(long.expires_in >= 59 * 24 * 3600, 'long-lived: about 60 days');

    const me = await json(
      await fetch(`${graph('/me')}?fields=id,name,picture&access_token=${long.access_token}`),
    );
    assert.equal(me.id, 'fb-ada');
    assert.equal(me.name, 'Ada Lovelace');
    assert.match(me.picture.data.url, /^https:\/\//);

    const accounts = await json(
      await fetch(`${graph('/me/accounts')}?fields=id,name,username,access_token,picture.type(large),tasks`, {
        headers: { authorization: `Bearer ${long.access_token}` },
      }),
    );
    assert.equal(accounts.data.length, 2);
    const [bakery, engines] = accounts.data;
    assert.equal(bakery.name, "Ada's Analytical Bakery");
    assert.equal(bakery.username, 'adasbakery');
    assert.equal(engines.username, undefined, 'username only when the Page has one');
    assert.ok(bakery.tasks.includes('CREATE_CONTENT'));
    assert.notEqual(bakery.access_token, engines.access_token);
    assert.equal(accounts.paging.next, undefined);

    const page = await json(
      await fetch(`${graph('/me')}?fields=id,name&access_token=${bakery.access_token}`),
    );
    assert.deepEqual(page, { id: bakery.id, name: bakery.name }, "a Page token's me is its Page");
    const debug = await json(
      await fetch(
        `${graph('/debug_token')}?input_token=${bakery.access_token}&access_token=${clientId}|${clientSecret}`,
      ),
    );
    assert.equal(debug.data.type, 'PAGE');
    assert.equal(debug.data.expires_at, 0, 'a Page token from a long-lived user token never expires');

    const perms = await json(await fetch(`${graph('/me/permissions')}?access_token=${long.access_token}`));
    assert.deepEqual(
      perms.data.find((p: Json) => p.permission === 'pages_manage_posts'),
      { permission: 'pages_manage_posts', status: 'granted' },
    );

    const removed = await fetch(`${graph('/me/permissions')}?access_token=${long.access_token}`, {
      method: 'DELETE',
    });
    assert.deepEqual(await json(removed), { success: true });
    const gone = await fetch(`${graph('/me')}?access_token=${long.access_token}`);
    assert.equal(gone.status, 400);
    const error = (await json(gone)).error;
    assert.equal(error.type, 'OAuthException');
    assert.equal(error.code, 190);
    assert.equal(error.error_subcode, 458);
    const pageGone = await fetch(`${graph('/me')}?access_token=${bakery.access_token}`);
    assert.equal((await json(pageGone)).error.code, 190, 'de-authorizing kills Page tokens too');
  });

  test('the code exchange also works as a POST with form parameters', async () => {
    const location = await submitConsent(dialogUrl());
    const response = await postForm(graph('/oauth/access_token'), {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uri: REDIRECT_URI,
      code: params(location).get('code')!,
    });
    assert.equal(response.status, 200);
  });

  test('Pages are paged with limit and a working paging.next on graph.facebook.com', async () => {
    const token = await login();
    const first = await json(
      await fetch(`${graph('/me/accounts')}?limit=1&fields=id,name&access_token=${token}`),
    );
    assert.equal(first.data.length, 1);
    assert.ok(first.paging.next.startsWith('https://graph.facebook.com/v22.0/me/accounts?'));
    const second = await json(await fetch(rewrite(first.paging.next)));
    assert.equal(second.data.length, 1);
    assert.notEqual(second.data[0].id, first.data[0].id);
    assert.equal(second.paging.next, undefined);
    assert.ok(second.paging.previous);
  });

  test('a Page token from a short-lived user token expires with it', async () => {
    const token = await login();
    const accounts = await json(
      await fetch(`${graph('/me/accounts')}?fields=access_token&access_token=${token}`),
    );
    sb.advance(2 * 3600);
    const page = await fetch(`${graph('/me')}?access_token=${accounts.data[0].access_token}`);
    assert.equal((await json(page)).error.error_subcode, 463);
  });

  test('denying redirects with access_denied, error_reason=user_denied and the state', async () => {
    const location = await submitConsent(dialogUrl(), { decision: 'deny' });
    const p = params(location);
    assert.equal(p.get('error'), 'access_denied');
    assert.equal(p.get('error_code'), '200');
    assert.equal(p.get('error_description'), 'Permissions error');
    assert.equal(p.get('error_reason'), 'user_denied');
    assert.equal(p.get('state'), 'st-1');
  });

  test('unticked Facebook permissions show as declined', async () => {
    const token = await login({ uncheck: ['pages_manage_posts'] });
    const perms = (await json(await fetch(`${graph('/me/permissions')}?access_token=${token}`))).data;
    const status = Object.fromEntries(perms.map((p: Json) => [p.permission, p.status]));
    assert.equal(status.pages_manage_posts, 'declined');
    assert.equal(status.pages_show_list, 'granted');
    assert.equal(status.public_profile, 'granted');
  });

  test('public_profile is shown as granted, not as a choice, and is granted', async () => {
    const html = await (await fetch(dialogUrl())).text();
    assert.doesNotMatch(html, /<input[^>]*value="public_profile"/);
    assert.match(html, /<div class="row granted">[^\n]*public_profile[^\n]*always granted/);
    const token = await login();
    const perms = (await json(await fetch(`${graph('/me/permissions')}?access_token=${token}`))).data;
    assert.ok(perms.some((p: Json) => p.permission === 'public_profile' && p.status === 'granted'));
  });

  test('a declined permission is not asked again without auth_type=rerequest', async () => {
    await login({ uncheck: ['pages_manage_posts'] });
    const again = await login();
    const status = async (token: string) =>
      Object.fromEntries(
        (await json(await fetch(`${graph('/me/permissions')}?access_token=${token}`))).data.map((p: Json) => [
          p.permission,
          p.status,
        ]),
      );
    assert.equal((await status(again)).pages_manage_posts, 'declined');
    const reasked = await login({}, { auth_type: 'rerequest' });
    assert.equal((await status(reasked)).pages_manage_posts, 'granted');
  });

  test('a user without Pages lists none', async () => {
    const token = await login({ user: 'fb-noah' });
    const accounts = await json(await fetch(`${graph('/me/accounts')}?access_token=${token}`));
    assert.deepEqual(accounts.data, []);
  });

  test('a user added through the control API gets two Pages by default', async () => {
    const mark = await addSandboxUser(sb.url, { platform: 'facebook', name: 'Mark' });
    const token = await login({ user: mark.id });
    const accounts = await json(await fetch(`${graph('/me/accounts')}?access_token=${token}`));
    assert.equal(accounts.data.length, 2);
    assert.ok(accounts.data.every((p: Json) => /^\d+$/.test(p.id)));
  });

  test('without pages_show_list the Pages edge is empty', async () => {
    const token = await login({ uncheck: ['pages_show_list'] });
    const accounts = await json(await fetch(`${graph('/me/accounts')}?access_token=${token}`));
    assert.deepEqual(accounts.data, []);
  });

  test('a reused Facebook code answers code 100 subcode 36009', async () => {
    const location = await submitConsent(dialogUrl());
    const code = params(location).get('code')!;
    assert.equal((await exchange(code)).status, 200);
    const reused = await exchange(code);
    assert.equal(reused.status, 400);
    const { error } = await json(reused);
    assert.equal(error.code, 100);
    assert.equal(error.error_subcode, 36009);
  });

  test('the code exchange needs the redirect_uri of the dialog', async () => {
    const location = await submitConsent(dialogUrl());
    const response = await exchange(params(location).get('code')!, {
      redirect_uri: 'https://app.example/other',
    });
    assert.equal((await json(response)).error.error_subcode, 36008);
  });

  test('a wrong app secret is refused', async () => {
    const location = await submitConsent(dialogUrl());
    const response = await exchange(params(location).get('code')!, { client_secret: 'nope' });
    const { error } = await json(response);
    assert.equal(error.code, 1);
    assert.equal(error.message, 'Error validating client secret.');
  });

  test('with PKCE the code exchange needs the code_verifier', async () => {
    const { verifier, challenge } = pkcePair();
    const first = await submitConsent(
      dialogUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    const missing = await exchange(params(first).get('code')!);
    assert.equal((await json(missing)).error.code, 100);
    const second = await submitConsent(
      dialogUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    const ok = await exchange(params(second).get('code')!, { code_verifier: verifier });
    assert.equal(ok.status, 200);
  });

  test('with PKCE a code_verifier of another authorization is refused', async () => {
    const mine = pkcePair();
    const theirs = pkcePair();
    const location = await submitConsent(
      dialogUrl({ code_challenge: mine.challenge, code_challenge_method: 'S256' }),
    );
    const response = await exchange(params(location).get('code')!, { code_verifier: theirs.verifier });
    assert.equal(response.status, 400);
    const { error } = await json(response);
    assert.equal(error.code, 100);
    assert.equal(error.message, 'Invalid code_verifier.');
  });

  test('an unregistered redirect_uri gets the URL blocked page, not a redirect', async () => {
    const strict = await startTestSandbox({
      clients: [{ platform: 'facebook', clientId, clientSecret, redirectUris: [REDIRECT_URI] }],
    });
    try {
      const query = new URLSearchParams({
        client_id: clientId,
        redirect_uri: 'https://evil.example/cb',
        scope: SCOPES,
      });
      const response = await fetch(`${strict.at('www.facebook.com', '/v19.0/dialog/oauth')}?${query}`, {
        redirect: 'manual',
      });
      assert.equal(response.status, 400);
      assert.match(await response.text(), /URL blocked/);
    } finally {
      await strict.close();
    }
  });

  test('an expired user token answers code 190 subcode 463', async () => {
    const token = await login();
    sb.advance(3601);
    const response = await fetch(`${graph('/me')}?access_token=${token}`);
    assert.equal(response.status, 400);
    const { error } = await json(response);
    assert.equal(error.code, 190);
    assert.equal(error.error_subcode, 463);
  });

  test('a garbage token answers code 190 and a missing one code 2500', async () => {
    const bad = await json(await fetch(`${graph('/me')}?access_token=garbage`));
    assert.equal(bad.error.code, 190);
    const none = await json(await fetch(graph('/me')));
    assert.equal(none.error.code, 2500);
  });

  test('asking for a field a User does not have is an error', async () => {
    const token = await login();
    const response = await json(
      await fetch(`${graph('/me')}?fields=id,favourite_colour&access_token=${token}`),
    );
    assert.equal(response.error.code, 100);
    assert.match(response.error.message, /favourite_colour/);
  });

  test('the access token also works as a Bearer header and without a version in the path', async () => {
    const token = await login();
    const me = await json(
      await fetch(sb.at('graph.facebook.com', '/me'), { headers: { authorization: `Bearer ${token}` } }),
    );
    assert.equal(me.id, 'fb-ada');
  });

  test('debug_token lists granted scopes with the Pages they reach', async () => {
    const token = await login();
    const debug = await json(
      await fetch(`${graph('/debug_token')}?input_token=${token}&access_token=${clientId}|${clientSecret}`),
    );
    assert.equal(debug.data.is_valid, true);
    assert.equal(debug.data.type, 'USER');
    assert.ok(debug.data.scopes.includes('pages_manage_posts'));
    const posts = debug.data.granular_scopes.find((g: Json) => g.scope === 'pages_manage_posts');
    assert.deepEqual(posts.target_ids, ['100200300400501', '100200300400502']);
  });
});
