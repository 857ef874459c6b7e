/**
 * `POST /api/v1/social-account/create-portal-link` and the page its URL opens, over HTTP against a running
 * Portico: every parameter and every validation error (the hosted product's 400 shape), the published SDK's
 * `socialAccountCreatePortalLink`, expiry on the injected clock, languages, the page's headers, its forms'
 * CSRF checks, and a whole connect through the page's forms ending at the app with its flags. The browser
 * tests (`test/browser/portal.browser.test.ts`) drive the same page in Chromium.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { LANGUAGES } from '../../src/portal/i18n.ts';
import { testClock } from '../accounts/support.ts';
import { sdkFor } from '../hosted/support.ts';
import { followCallback } from '../support/connect-flow.ts';
import { submitConsent } from '../support/consent.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

const PATH = '/api/v1/social-account/create-portal-link';
const MINUTE = 60_000;

describe('create-portal-link and the portal page', () => {
  const clock = testClock();
  const logLines: string[] = [];
  let portico: TestPortico;

  before(async () => {
    portico = await startTestPortico('pglite', { PORTICO_LOG_LEVEL: 'info' }, { now: clock.now, logLines });
  });
  after(async () => {
    await portico?.close();
  });

  async function create(body: Record<string, unknown>, key?: string | null) {
    const res = await portico.api(PATH, {
      method: 'POST',
      json: { teamId: portico.teamId, redirectUrl: 'https://app.example.com/back', ...body },
      ...(key !== undefined ? { key } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  async function link(body: Record<string, unknown>): Promise<string> {
    const made = await create(body);
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return made.body.url;
  }

  async function open(url: string, headers: Record<string, string> = {}) {
    const res = await fetch(url, { headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, html: await res.text() };
  }

  async function newTeam(name: string): Promise<string> {
    const res = await portico.api('/api/v1/team/', { method: 'POST', json: { name } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { id: string }).id;
  }

  const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

  /** Posts one of the page's forms as the browser would (form-encoded, from Portico's origin). */
  function post(url: string, action: string, fields: Record<string, string>, origin = portico.url) {
    return fetch(`${url}/${action}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams(fields),
    });
  }

  describe('validation errors, in the hosted product’s shape', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['socialAccountTypes missing', { socialAccountTypes: undefined }, 'socialAccountTypes'],
      ['socialAccountTypes empty', { socialAccountTypes: [] }, 'socialAccountTypes'],
      ['an unknown type', { socialAccountTypes: ['TWITTER', 'MYSPACE'] }, 'socialAccountTypes.1'],
      ['a type Portico does not serve yet', { socialAccountTypes: ['INSTAGRAM'] }, 'socialAccountTypes.0'],
      ['redirectUrl missing', { redirectUrl: undefined }, 'redirectUrl'],
      ['redirectUrl not http(s)', { redirectUrl: 'javascript:alert(1)' }, 'redirectUrl'],
      ['redirectUrl with credentials', { redirectUrl: 'https://u:p@app.example.com/' }, 'redirectUrl'],
      ['teamId malformed', { teamId: 'nope' }, 'teamId'],
      ['logoUrl over http', { logoUrl: 'http://cdn.example.com/logo.png' }, 'logoUrl'],
      ['logoUrl not a URL', { logoUrl: 'logo.png' }, 'logoUrl'],
      ['userLogoUrl as data:', { userLogoUrl: 'data:image/png;base64,AAAA' }, 'userLogoUrl'],
      ['userName empty', { userName: '' }, 'userName'],
      ['userName too long', { userName: 'x'.repeat(101) }, 'userName'],
      ['goBackButtonText too long', { goBackButtonText: 'x'.repeat(61) }, 'goBackButtonText'],
      ['an unknown language', { language: 'xx' }, 'language'],
      ['expiresIn under 5', { expiresIn: 4 }, 'expiresIn'],
      ['expiresIn over 2880', { expiresIn: 2881 }, 'expiresIn'],
      ['expiresIn not whole', { expiresIn: 7.5 }, 'expiresIn'],
      ['maxSocialAccountsConnected 0', { maxSocialAccountsConnected: 0 }, 'maxSocialAccountsConnected'],
      ['hidePoweredBy not a boolean', { hidePoweredBy: 'yes' }, 'hidePoweredBy'],
      ['hideGoBackButton not a boolean', { hideGoBackButton: 1 }, 'hideGoBackButton'],
      ['hideUserLogo not a boolean', { hideUserLogo: 'true' }, 'hideUserLogo'],
      ['hideUserName not a boolean', { hideUserName: null }, 'hideUserName'],
      ['hideLanguageSwitcher not a boolean', { hideLanguageSwitcher: 0 }, 'hideLanguageSwitcher'],
      [
        'showModalOnConnectSuccess not a boolean',
        { showModalOnConnectSuccess: 'no' },
        'showModalOnConnectSuccess',
      ],
      ['serverUrl not a server', { serverUrl: 'not a server' }, 'serverUrl'],
      [
        'instagramConnectionMethod unknown',
        { instagramConnectionMethod: 'EMAIL' },
        'instagramConnectionMethod',
      ],
      ['disableAutoLogin not a boolean', { disableAutoLogin: 'yes' }, 'disableAutoLogin'],
      ['withBusinessScope not a boolean', { withBusinessScope: 'yes' }, 'withBusinessScope'],
      ['forceBrowserOAuth not a boolean', { forceBrowserOAuth: 'yes' }, 'forceBrowserOAuth'],
      ['tiktokForceLogin not a boolean', { tiktokForceLogin: 'yes' }, 'tiktokForceLogin'],
      ['an unknown field', { colour: 'red' }, 'colour'],
    ];
    for (const [name, change, field] of cases) {
      test(`${name}: 400 naming ${field}`, async () => {
        const res = await create({ socialAccountTypes: ['TWITTER'], ...change });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.statusCode, 400);
        assert.equal(res.body.error, 'VALIDATION_FAILED');
        assert.ok(
          res.body.issues.some((i: { path: string[] }) => i.path.join('.') === field),
          JSON.stringify(res.body),
        );
        assert.match(res.body.message, new RegExp(field.replace('.', '\\.')));
      });
    }

    test('an unknown type and an unknown language are named in the message', async () => {
      const type = await create({ socialAccountTypes: ['MYSPACE'] });
      assert.match(type.body.message, /"MYSPACE" is not a social-account type/);
      const served = await create({ socialAccountTypes: ['INSTAGRAM'] });
      assert.match(served.body.message, /"INSTAGRAM" is not served by this Portico yet/);
      const language = await create({ socialAccountTypes: ['TWITTER'], language: 'klingon' });
      assert.match(language.body.message, /"klingon" is not a portal language; languages: en, pl/);
    });

    test('a redirectUrl outside the team’s allowed origins is 400; Portico’s own page is still its return', async () => {
      const team = await newTeam('Origins');
      const patched = await portico.api(`/v1/teams/${team}`, {
        method: 'PATCH',
        json: { allowed_origins: ['https://app.example.com'] },
      });
      assert.equal(patched.status, 200);
      const outside = await create({
        teamId: team,
        socialAccountTypes: ['TWITTER'],
        redirectUrl: 'https://evil.example/',
      });
      assert.equal(outside.status, 400);
      assert.deepEqual(outside.body.issues[0].path, ['redirectUrl']);
      const url = await link({ teamId: team, socialAccountTypes: ['TWITTER'] });
      const page = await open(url);
      const started = await post(url, 'connect', { csrf: csrfOf(page.html), lang: 'en', type: 'TWITTER' });
      assert.equal(started.status, 303);
      assert.match(started.headers.get('location') ?? '', /\/sandbox\//, 'the connect starts');
    });

    test('no key is 401, a read-only key 403, another organization’s team 404', async () => {
      assert.equal((await create({ socialAccountTypes: ['TWITTER'] }, null)).status, 401);
      const readOnly = await portico.api('/v1/api-keys', {
        method: 'POST',
        json: { name: 'reader', scopes: ['social:read'] },
      });
      const reader = ((await readOnly.json()) as any).data.key;
      assert.equal((await create({ socialAccountTypes: ['TWITTER'] }, reader)).status, 403);
      const missing = await create({ socialAccountTypes: ['TWITTER'], teamId: `team_${'0'.repeat(26)}` });
      assert.equal(missing.status, 404);
    });
  });

  test('the SDK’s socialAccountCreatePortalLink: every option reaches the page', async () => {
    const sdk = sdkFor(portico);
    const { url } = await sdk.socialAccount.socialAccountCreatePortalLink({
      requestBody: {
        teamId: portico.teamId,
        redirectUrl: 'https://app.example.com/settings?tab=social',
        socialAccountTypes: ['TWITTER', 'FACEBOOK', 'MASTODON'],
        logoUrl: 'https://cdn.example.com/brand/logo.svg?v=3',
        userLogoUrl: 'http://localhost:5173/me.png',
        userName: 'Ada <Lovelace>',
        goBackButtonText: 'Back to Acme',
        language: 'de',
        expiresIn: 30,
        serverUrl: 'mastodon.social',
        disableAutoLogin: false,
        withBusinessScope: true,
        forceBrowserOAuth: false,
        tiktokForceLogin: false,
        instagramConnectionMethod: 'FACEBOOK',
        showModalOnConnectSuccess: true,
        maxSocialAccountsConnected: 5,
      },
    });
    assert.match(url, new RegExp(`^${portico.url}/portal/ptl_[A-Za-z0-9_-]{43}$`));
    const page = await open(url);
    assert.equal(page.status, 200);
    assert.match(page.html, /<html lang="de" dir="ltr">/);
    assert.match(
      page.html,
      /<img class="logo" src="https:\/\/cdn\.example\.com\/brand\/logo\.svg\?v=3"[^>]*referrerpolicy="no-referrer"/,
    );
    assert.match(
      page.html,
      /<img src="http:\/\/localhost:5173\/me\.png" alt="" referrerpolicy="no-referrer">/,
    );
    assert.match(page.html, /<span>Ada &lt;Lovelace&gt;<\/span>/, 'the name, escaped');
    assert.match(
      page.html,
      /id="go-back" href="https:\/\/app\.example\.com\/settings\?tab=social">Back to Acme</,
    );
    assert.match(page.html, /Powered by Portico|Portico/);
    assert.match(page.html, /<select id="lang" name="lang"/);
    assert.match(page.html, /X \(Twitter\)[\s\S]*Facebook[\s\S]*Mastodon/, 'in the order asked');
    // serverUrl fixes the Mastodon server: the button connects at once instead of asking.
    assert.doesNotMatch(page.html, /ask=MASTODON/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(
      csp,
      /img-src 'self' https:\/\/cdn\.example\.com\/brand\/logo\.svg http:\/\/localhost:5173\/me\.png;/,
    );
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('referrer-policy'), 'same-origin');
    assert.equal(page.headers.get('cache-control'), 'no-store');
  });

  test('the heaviest page, in every language, is under 30 KB before images', async () => {
    const url = await link({
      socialAccountTypes: ['TWITTER', 'FACEBOOK', 'LINKEDIN', 'TIKTOK', 'THREADS', 'MASTODON'],
      logoUrl: 'https://cdn.example.com/logo.svg',
      userLogoUrl: 'https://cdn.example.com/me.png',
      userName: 'x'.repeat(100),
      goBackButtonText: 'y'.repeat(60),
    });
    for (const language of LANGUAGES) {
      const bytes = Buffer.byteLength((await open(`${url}?lang=${language}`)).html);
      assert.ok(bytes < 30 * 1024, `${language}: ${bytes} bytes`);
    }
  });

  test('each hide flag hides its element', async () => {
    const base = {
      socialAccountTypes: ['TWITTER'],
      userLogoUrl: 'https://cdn.example.com/me.png',
      userName: 'Grace',
    };
    const shown = (await open(await link(base))).html;
    for (const marker of ['id="go-back"', 'class="powered"', 'me.png', '<span>Grace</span>', 'id="lang"']) {
      assert.ok(shown.includes(marker), marker);
    }
    const hidden: Array<[string, string]> = [
      ['hideGoBackButton', 'id="go-back"'],
      ['hidePoweredBy', 'class="powered"'],
      ['hideUserLogo', 'me.png'],
      ['hideUserName', '<span>Grace</span>'],
      ['hideLanguageSwitcher', 'id="lang"'],
    ];
    for (const [flag, marker] of hidden) {
      const html = (await open(await link({ ...base, [flag]: true }))).html;
      assert.ok(!html.includes(marker), `${flag} hides ${marker}`);
    }
  });

  test('the language: the switcher’s choice, else the link’s, else Accept-Language, else English', async () => {
    const plain = await link({ socialAccountTypes: ['TWITTER'] });
    assert.match((await open(plain)).html, /<html lang="en" dir="ltr">/);
    assert.match(
      (await open(plain, { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' })).html,
      /<html lang="fr"/,
    );
    assert.match(
      (await open(plain, { 'accept-language': 'xx, he;q=0.4' })).html,
      /<html lang="he" dir="rtl">/,
    );
    assert.match((await open(plain, { 'accept-language': 'xx' })).html, /<html lang="en"/);
    const polish = await link({ socialAccountTypes: ['TWITTER'], language: 'pl' });
    assert.match((await open(polish, { 'accept-language': 'fr' })).html, /<html lang="pl"/);
    assert.match((await open(`${polish}?lang=ar`)).html, /<html lang="ar" dir="rtl">/);
    assert.match((await open(`${polish}?lang=zz`)).html, /<html lang="pl"/, 'an unknown choice is ignored');
  });

  test('expiresIn: 10 minutes by default, then 410 with the way back; 5 and 2880 are the bounds', async () => {
    const start = clock.now().getTime();
    const byDefault = await link({ socialAccountTypes: ['TWITTER'], language: 'es' });
    const shortest = await link({ socialAccountTypes: ['TWITTER'], expiresIn: 5 });
    const longest = await link({ socialAccountTypes: ['TWITTER'], expiresIn: 2880, hideGoBackButton: true });
    clock.advance(5 * MINUTE - 1);
    assert.equal((await open(shortest)).status, 200);
    clock.advance(1);
    const gone = await open(shortest);
    assert.equal(gone.status, 410);
    assert.match(gone.html, /This link has expired/);
    assert.match(gone.html, /id="go-back" href="https:\/\/app\.example\.com\/back"/);
    clock.advance(5 * MINUTE - 1);
    assert.equal((await open(byDefault)).status, 200);
    clock.advance(1);
    const expired = await open(byDefault);
    assert.equal(expired.status, 410);
    assert.match(expired.html, /<html lang="es"/, 'in the link’s language');
    assert.match(expired.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    clock.advance(2880 * MINUTE - 10 * MINUTE - 1);
    assert.equal((await open(longest)).status, 200);
    clock.advance(1);
    const longGone = await open(longest);
    assert.equal(longGone.status, 410);
    assert.doesNotMatch(longGone.html, /go-back/, 'hideGoBackButton holds on the expired page');
    // Forms of an expired link are refused the same way.
    const posted = await post(longest, 'connect', { csrf: 'x', type: 'TWITTER' });
    assert.equal(posted.status, 410);
    assert.ok(clock.now().getTime() > start);
  });

  test('an expired link is kept a week (410), then forgotten when the team makes a new one (404)', async () => {
    const team = await newTeam('Old links');
    const old = await link({ teamId: team, socialAccountTypes: ['TWITTER'], expiresIn: 5 });
    clock.advance(5 * MINUTE + 7 * 24 * 60 * MINUTE - 1);
    await link({ teamId: team, socialAccountTypes: ['TWITTER'] });
    assert.equal((await open(old)).status, 410, 'a week after expiry it still says expired');
    clock.advance(1);
    assert.equal((await open(old)).status, 410, 'nothing is forgotten until the team makes a link');
    await link({ teamId: team, socialAccountTypes: ['TWITTER'] });
    assert.equal((await open(old)).status, 404);
  });

  test('an unknown link is a friendly 404 page in the browser’s language, with no way back to guess', async () => {
    for (const token of ['ptl_nothere', 'nothing', `ptl_${'a'.repeat(43)}`]) {
      const page = await open(`${portico.url}/portal/${token}`, { 'accept-language': 'it' });
      assert.equal(page.status, 404);
      assert.match(page.html, /<html lang="it"/);
      assert.doesNotMatch(page.html, /go-back/);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    }
  });

  test('a form without the page’s token, or posted from another site, changes nothing', async () => {
    const url = await link({ socialAccountTypes: ['TWITTER'] });
    const { html } = await open(url);
    const csrf = csrfOf(html);
    assert.ok(csrf.length > 20);
    for (const [fields, origin] of [
      [{ type: 'TWITTER', lang: 'en' }, portico.url],
      [{ type: 'TWITTER', lang: 'en', csrf: `${csrf}x` }, portico.url],
      [{ type: 'TWITTER', lang: 'en', csrf }, 'https://evil.example'],
    ] as const) {
      const res = await post(url, 'connect', fields, origin);
      assert.equal(res.status, 303);
      assert.match(res.headers.get('location') ?? '', /notice=staleForm/);
    }
    for (const action of ['connect', 'select', 'disconnect']) {
      const opened = await open(`${url}/${action}?lang=de`);
      assert.equal(opened.status, 303, `GET ${action} leads to the page`);
      assert.equal(opened.headers.get('location'), `${new URL(url).pathname}?lang=de`);
    }
    const stale = await open(`${url}?notice=staleForm`);
    assert.match(stale.html, /role="alert">This page was open for a long time/);
    // Another link's token does not work here either.
    const other = await link({ socialAccountTypes: ['TWITTER'] });
    const res = await post(other, 'connect', { type: 'TWITTER', lang: 'en', csrf });
    assert.match(res.headers.get('location') ?? '', /notice=staleForm/);
  });

  test('frame-ancestors follows the team’s portal setting (PUT /v1/teams/{id}/portal), none by default', async () => {
    const team = await newTeam('Framed');
    const read = await portico.api(`/v1/teams/${team}/portal`);
    assert.deepEqual(((await read.json()) as any).data, { frame_ancestors: [] });
    const bad = await portico.api(`/v1/teams/${team}/portal`, {
      method: 'PUT',
      json: { frame_ancestors: ["'self' https://x"] },
    });
    assert.equal(bad.status, 422);
    const set = await portico.api(`/v1/teams/${team}/portal`, {
      method: 'PUT',
      json: { frame_ancestors: ['https://app.example.com/some/path'] },
    });
    assert.equal(set.status, 200);
    assert.deepEqual(((await set.json()) as any).data, { frame_ancestors: ['https://app.example.com'] });
    const page = await open(await link({ teamId: team, socialAccountTypes: ['TWITTER'] }));
    assert.match(
      page.headers.get('content-security-policy') ?? '',
      /frame-ancestors https:\/\/app\.example\.com;/,
    );
  });

  test('a connect through the page’s forms lands on redirectUrl with the hosted flag and its own query', async () => {
    const team = await newTeam('Forms');
    const url = await link({
      teamId: team,
      socialAccountTypes: ['TWITTER'],
      redirectUrl: 'https://app.example.com/back?tab=social',
    });
    const { html } = await open(url);
    const started = await post(url, 'connect', { csrf: csrfOf(html), lang: 'sv', type: 'TWITTER' });
    assert.equal(started.status, 303);
    const callback = await submitConsent(started.headers.get('location')!, {});
    const { location } = await followCallback(callback);
    assert.ok(location);
    assert.equal(location.pathname, `${new URL(url).pathname}/return`);
    assert.equal(location.searchParams.get('lang'), 'sv', 'the language survives the round trip');
    const back = await fetch(location, { redirect: 'manual' });
    assert.equal(back.status, 303);
    assert.equal(
      back.headers.get('location'),
      'https://app.example.com/back?tab=social&success=twitter-callback',
    );
    const after = await open(url);
    assert.match(after.html, /Connected as Ada Lovelace/);
    assert.match(after.html, /1 account connected/);
  });

  /** Connects X in `team` through a link's forms, returning where the user lands. */
  async function connectThroughPage(url: string, type = 'TWITTER', consent = {}) {
    const started = await post(url, 'connect', { csrf: csrfOf((await open(url)).html), lang: 'en', type });
    assert.equal(started.status, 303);
    const { location } = await followCallback(await submitConsent(started.headers.get('location')!, consent));
    const back = await fetch(location!, { redirect: 'manual' });
    return back.headers.get('location') ?? '';
  }

  test('the account limit is kept by the server too: a new platform is refused, a reconnect is not', async () => {
    const team = await newTeam('Limit');
    const url = await link({
      teamId: team,
      socialAccountTypes: ['TWITTER', 'FACEBOOK'],
      maxSocialAccountsConnected: 1,
    });
    assert.match(await connectThroughPage(url), /success=twitter-callback/);
    const { html } = await open(url);
    assert.match(html, /You have reached the limit of 1 connected account\./);
    const refused = await post(url, 'connect', { csrf: csrfOf(html), lang: 'en', type: 'FACEBOOK' });
    assert.equal(refused.status, 303);
    assert.match(refused.headers.get('location') ?? '', /notice=limitReached/);
    assert.match((await open(`${url}?notice=limitReached`)).html, /No more accounts can be connected/);
    assert.match(await connectThroughPage(url), /success=twitter-callback/, 'reconnecting X is allowed');
  });

  test('disconnect through the page: the account is gone, the page says so', async () => {
    const team = await newTeam('Disconnect');
    const url = await link({ teamId: team, socialAccountTypes: ['TWITTER'] });
    await connectThroughPage(url);
    assert.match(
      (await open(url)).html,
      /href="[^"]*disconnect=TWITTER" aria-label="Disconnect X \(Twitter\)"/,
    );
    const { html } = await open(`${url}?disconnect=TWITTER`);
    assert.match(html, /<h1>Disconnect X \(Twitter\)\?<\/h1>/, 'the page asks first');
    assert.match(html, /action="[^"]+\/disconnect"/);
    const res = await post(url, 'disconnect', { csrf: csrfOf(html), lang: 'en', type: 'TWITTER' });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location') ?? '', /notice=disconnected&type=TWITTER/);
    const byType = await portico.api(`/api/v1/social-account/by-type?type=TWITTER&teamId=${team}`);
    assert.equal(byType.status, 404);
    const page = await open(`${portico.url}${res.headers.get('location')}`);
    assert.match(page.html, /role="status">X \(Twitter\) was disconnected\./);
    assert.match(page.html, /Not connected/);
  });

  test('a browser that hides its Origin (null) cannot post; an unknown platform or channel changes nothing', async () => {
    const team = await newTeam('Odd posts');
    const url = await link({ teamId: team, socialAccountTypes: ['FACEBOOK'] });
    const { html } = await open(url);
    const csrf = csrfOf(html);
    const nullOrigin = await post(url, 'connect', { csrf, lang: 'en', type: 'FACEBOOK' }, 'null');
    assert.match(nullOrigin.headers.get('location') ?? '', /notice=staleForm/);
    const notOffered = await post(url, 'connect', { csrf, lang: 'en', type: 'TWITTER' });
    assert.equal(notOffered.headers.get('location'), `${new URL(url).pathname}?lang=en`);
    const noAccount = await post(url, 'select', { csrf, lang: 'en', type: 'FACEBOOK', channelId: '1' });
    assert.equal(noAccount.headers.get('location'), `${new URL(url).pathname}?lang=en`);
    const weird = await fetch(`${url}/connect`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', origin: portico.url },
      body: '{"type":["FACEBOOK"],"csrf":{"a":1}}',
    });
    assert.ok(weird.status < 500, `odd input is never a 500 (${weird.status})`);
    // Fields sent twice, and odd characters in the path: still a page or a redirect.
    for (const odd of [
      `${url}?lang=pl&lang=de&ask=MASTODON&ask=X&server=a&server=b`,
      `${url}?choose=FACEBOOK&choose=TWITTER&connected=`,
      `${url}/x%0d%0aSet-Cookie:%20a=b`,
      `${portico.url}/portal/%0d%0a/connect`,
      `${url}/avatar/FACEBOOK?c=1&c=2`,
    ]) {
      const res = await fetch(odd, { redirect: 'manual' });
      assert.ok(res.status < 500, `${odd}: ${res.status}`);
      assert.equal(res.headers.get('set-cookie'), null);
    }
    const twice = await fetch(`${url}/connect`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: portico.url },
      body: `csrf=${csrf}&csrf=x&type=FACEBOOK&type=TWITTER&lang=en`,
    });
    assert.equal(twice.status, 303);
  });

  test('a connect started before the link expired may still come back to pick its Page', async () => {
    const team = await newTeam('Grace');
    const url = await link({ teamId: team, socialAccountTypes: ['FACEBOOK'], expiresIn: 5 });
    const started = await post(url, 'connect', {
      csrf: csrfOf((await open(url)).html),
      lang: 'nl',
      type: 'FACEBOOK',
    });
    const callback = await submitConsent(started.headers.get('location')!, { user: 'fb-ada' });
    clock.advance(6 * MINUTE);
    assert.equal((await open(url)).status, 410, 'the page itself has expired');
    const { location } = await followCallback(callback);
    const back = await fetch(location!, { redirect: 'manual' });
    assert.equal(back.headers.get('location'), `${new URL(url).pathname}?lang=nl&choose=FACEBOOK`);
    // The picker (and the success dialog) still show within the grace; the list itself does not.
    const picker = await open(`${portico.url}${back.headers.get('location')}`);
    assert.equal(picker.status, 200);
    assert.match(picker.html, /<html lang="nl"/);
    const picked = await post(url, 'select', {
      csrf: csrfOf(picker.html),
      lang: 'nl',
      type: 'FACEBOOK',
      channelId: '100200300400502',
    });
    assert.equal(picked.headers.get('location'), 'https://app.example.com/back?success=facebook-callback');
    clock.advance(20 * MINUTE);
    const tooLate = await fetch(location!, { redirect: 'manual' });
    assert.equal(tooLate.status, 410, 'after the grace the return is refused too');
  });

  test('avatars come from Portico’s origin: a monogram when the picture cannot be had, never from a private host', async () => {
    const team = await newTeam('Avatars');
    const url = await link({ teamId: team, socialAccountTypes: ['TWITTER', 'FACEBOOK'] });
    await connectThroughPage(url);
    const { html } = await open(url);
    const path = `${new URL(url).pathname}/avatar/TWITTER`;
    assert.ok(html.includes(`<img class="mini" src="${path}" alt=""`), 'the row shows the account’s picture');
    // The simulator's pictures are placeholders on a host that does not exist: a monogram stands in.
    const avatar = await fetch(`${portico.url}${path}`);
    assert.equal(avatar.status, 200);
    assert.equal(avatar.headers.get('content-type'), 'image/svg+xml');
    assert.equal(avatar.headers.get('content-security-policy'), "default-src 'none'");
    assert.match(await avatar.text(), />A<\/text><\/svg>$/);
    // A picture on a private address is not fetched (the account row is changed as a platform could).
    let hits = 0;
    const inside = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([137, 80, 78, 71]));
    });
    await new Promise<void>((resolve) => inside.listen(0, '127.0.0.1', resolve));
    try {
      const address = `http://127.0.0.1:${(inside.address() as AddressInfo).port}/secret.png`;
      await portico.runtime.db
        .updateTable('accounts')
        .set({ avatar_url: address })
        .where('team_id', '=', team)
        .execute();
      const refused = await fetch(`${portico.url}${path}`);
      assert.equal(refused.headers.get('content-type'), 'image/svg+xml');
      assert.equal(hits, 0);
    } finally {
      await new Promise((resolve) => inside.close(resolve));
    }
    assert.equal((await fetch(`${portico.url}${new URL(url).pathname}/avatar/FACEBOOK`)).status, 404);
    assert.equal((await fetch(`${portico.url}${path}?c=nope`)).status, 404);
    assert.equal((await fetch(`${portico.url}/portal/ptl_unknown/avatar/TWITTER`)).status, 404);
  });

  test('the link’s token never reaches the logs', async () => {
    const url = await link({ socialAccountTypes: ['TWITTER'] });
    await open(url);
    await open(`${url}/return?success=twitter-callback`);
    const token = new URL(url).pathname.split('/')[2]!;
    const logs = logLines.join('');
    assert.ok(logs.includes('/portal/ptl_[redacted]'), 'the page’s requests are logged, redacted');
    assert.ok(!logs.includes(token));
  });
});

describe('portal avatars from a reachable host', () => {
  test('a raster picture is passed on from Portico’s origin; a third party’s SVG is not', async () => {
    // The operator allows private hosts (as for a Mastodon server on a LAN), so the loopback server counts.
    const portico = await startTestPortico('pglite', { PORTICO_ALLOW_PRIVATE_INSTANCES: 'true' });
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const images = createServer((req, res) => {
      if (req.url === '/me.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg onload="alert(1)"/>');
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    try {
      const host = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
      const created = await portico.api(PATH, {
        method: 'POST',
        json: {
          teamId: portico.teamId,
          redirectUrl: 'https://app.example.com/',
          socialAccountTypes: ['TWITTER'],
        },
      });
      const { url } = (await created.json()) as { url: string };
      const page = await fetch(url);
      const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      const started = await fetch(`${url}/connect`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: portico.url },
        body: new URLSearchParams({ csrf, type: 'TWITTER', lang: 'en' }),
      });
      await followCallback(await submitConsent(started.headers.get('location')!, {}));
      const set = (avatar: string) =>
        portico.runtime.db
          .updateTable('accounts')
          .set({ avatar_url: avatar })
          .where('team_id', '=', portico.teamId)
          .execute();
      await set(`${host}/me.png`);
      const passed = await fetch(`${url}/avatar/TWITTER`);
      assert.equal(passed.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await passed.arrayBuffer()), png);
      assert.equal(passed.headers.get('cache-control'), 'private, max-age=3600');
      await set(`${host}/drawing.svg`);
      const svg = await fetch(`${url}/avatar/TWITTER`);
      assert.doesNotMatch(await svg.text(), /onload/, 'a third party’s SVG is never served from Portico');
    } finally {
      await new Promise((resolve) => images.close(resolve));
      await portico.close();
    }
  });
});
