/**
 * The hosted portal in a real browser (Chromium through Playwright; `findChromium()` says which): a link
 * made with `create-portal-link` opened as the app's user would, in every language (screenshots at desktop
 * and phone width under `test-results/portal/`), connects through the simulator's consent pages (X, a
 * Facebook Page through the picker, Mastodon on a named server), a cancelled connect, the account limit,
 * the success dialog both ways, a connect by keyboard alone, and the flags the app gets back.
 * One browser and one Portico for the whole file; each scenario works in a team of its own.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { LANGUAGES, translator } from '../../src/portal/i18n.ts';
import { hostedConnect, sdkFor } from '../hosted/support.ts';
import { findChromium } from '../support/chromium.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';
import { type ReturnServer, startReturnServer } from '../support/return-server.ts';

const SHOTS = join(import.meta.dirname, '../../test-results/portal');
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

/** The app's images: served on loopback, which the portal allows over http. */
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 32"><rect width="32" height="32" rx="8" fill="#e4572e"/><path d="M9 23l7-14 7 14z" fill="#fff"/><text x="40" y="23" font-family="system-ui,sans-serif" font-size="19" font-weight="700" fill="#e4572e">Acme</text></svg>`;
const FACE = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" fill="#2e86ab"/><circle cx="20" cy="16" r="7" fill="#fff"/><path d="M7 38c2-8 7-11 13-11s11 3 13 11z" fill="#fff"/></svg>`;

async function startImageServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(req.url === '/logo.svg' ? LOGO : FACE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}

describe('the hosted portal in a real browser', () => {
  let portico: TestPortico;
  let app: ReturnServer;
  let images: { url: string; server: Server };
  let browser: Browser;
  let page: Page;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // One browser plays every user of the file from one address: the public per-IP limit is lifted.
    portico = await startTestPortico('pglite', { PORTICO_RATE_LIMIT_PUBLIC: '100000' });
    app = await startReturnServer();
    images = await startImageServer();
    const found = await findChromium();
    browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
    page = await browser.newPage({ viewport: DESKTOP });
    page.setDefaultTimeout(10_000);
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => images?.server.close(resolve));
    await app?.close();
    await portico?.close();
  });

  async function newTeam(name: string): Promise<string> {
    const res = await portico.api('/api/v1/team/', { method: 'POST', json: { name } });
    return ((await res.json()) as { id: string }).id;
  }

  async function portalLink(teamId: string, body: Record<string, unknown>): Promise<string> {
    const res = await portico.api('/api/v1/social-account/create-portal-link', {
      method: 'POST',
      json: { teamId, redirectUrl: `${app.url}/settings?tab=social`, ...body },
    });
    const json = (await res.json()) as { url: string };
    assert.equal(res.status, 200, JSON.stringify(json));
    return json.url;
  }

  /** The app's page the user lands on, with its query. */
  async function landed(): Promise<URLSearchParams> {
    await page.waitForURL((url) => url.href.startsWith(app.url));
    assert.equal(new URL(page.url()).pathname, '/settings');
    return new URL(page.url()).searchParams;
  }

  const connectButton = (type: string) =>
    page.locator(`form:has(input[name=type][value=${type}]) button`).first();

  test('every language: lang and dir, the translated title, screenshots at desktop and phone width', async () => {
    const teamId = await newTeam('Languages');
    await hostedConnect(sdkFor(portico), portico, {
      type: 'TWITTER',
      teamId,
      redirectUrl: `${app.url}/settings`,
    });
    for (const language of LANGUAGES) {
      const url = await portalLink(teamId, {
        socialAccountTypes: ['TWITTER', 'FACEBOOK', 'LINKEDIN', 'MASTODON', 'TIKTOK', 'THREADS'],
        language,
        logoUrl: `${images.url}/logo.svg`,
        userLogoUrl: `${images.url}/face.svg`,
        userName: 'Ada Lovelace',
        goBackButtonText: language === 'en' ? 'Back to Acme' : undefined,
      });
      await page.setViewportSize(DESKTOP);
      await page.goto(url);
      const t = translator(language);
      assert.equal(await page.getAttribute('html', 'lang'), language);
      assert.equal(
        await page.getAttribute('html', 'dir'),
        language === 'he' || language === 'ar' ? 'rtl' : 'ltr',
      );
      assert.equal((await page.locator('h1').textContent())?.trim(), t('page.title'));
      assert.equal(
        await page.locator('#go-back').textContent(),
        language === 'en' ? 'Back to Acme' : t('page.goBack'),
      );
      assert.ok(
        await page.locator('img.logo').evaluate((img: HTMLImageElement) => img.naturalWidth > 0),
        'the logo loads',
      );
      await page.screenshot({ path: join(SHOTS, `${language}-desktop.png`), fullPage: true });
      await page.setViewportSize(PHONE);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `${language}: nothing wider than the phone`);
      await page.screenshot({ path: join(SHOTS, `${language}-phone.png`), fullPage: true });
    }
    await page.setViewportSize(DESKTOP);
  });

  test('the switcher: Polish, then Arabic right to left; the choice survives the OAuth round trip', async () => {
    const teamId = await newTeam('Switcher');
    await page.goto(await portalLink(teamId, { socialAccountTypes: ['FACEBOOK'] }));
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.selectOption('#lang', 'pl');
    await page.waitForURL(/lang=pl/);
    assert.equal(await page.getAttribute('html', 'lang'), 'pl');
    assert.equal((await page.locator('h1').textContent())?.trim(), translator('pl')('page.title'));
    await page.selectOption('#lang', 'ar');
    await page.waitForURL(/lang=ar/);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    // Mirrored: the platform's name starts on the right.
    const row = await page.locator('.row').first().boundingBox();
    const icon = await page.locator('.row svg').first().boundingBox();
    assert.ok(row && icon && icon.x > row.x + row.width / 2, 'the icon sits at the right in Arabic');
    await page.screenshot({ path: join(SHOTS, 'switched-ar.png'), fullPage: true });
    await connectButton('FACEBOOK').click();
    await page.locator('#approve').click();
    await page.waitForURL(/choose=FACEBOOK/);
    assert.equal(await page.getAttribute('html', 'lang'), 'ar', 'back from Facebook in Arabic');
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    await page.screenshot({ path: join(SHOTS, 'picker-ar.png'), fullPage: true });
  });

  test('connect X: back at the app with success=twitter-callback and its own query', async () => {
    const teamId = await newTeam('X');
    await page.goto(await portalLink(teamId, { socialAccountTypes: ['TWITTER', 'FACEBOOK'] }));
    await page.getByRole('button', { name: 'Connect X (Twitter)' }).click();
    await page.locator('#approve').click();
    const flags = await landed();
    assert.deepEqual(Object.fromEntries(flags), { tab: 'social', success: 'twitter-callback' });
    const account = await sdkFor(portico).socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId });
    assert.equal(account.displayName, 'Ada Lovelace');
  });

  test('connect a Facebook Page through the picker; the pick is the account’s channel', async () => {
    const teamId = await newTeam('Facebook');
    const url = await portalLink(teamId, { socialAccountTypes: ['FACEBOOK'] });
    await page.goto(url);
    await page.getByRole('button', { name: 'Connect Facebook' }).click();
    await page.selectOption('#user', 'fb-ada');
    await page.locator('#approve').click();
    await page.waitForURL(/choose=FACEBOOK/);
    assert.equal(await page.locator('h1').textContent(), 'Choose where to post');
    const options = await page.locator('.choice').allTextContents();
    assert.equal(options.length, 2, options.join(' | '));
    assert.match(options[0]!, /Ada's Analytical Bakery/);
    await page.screenshot({ path: join(SHOTS, 'picker-en.png'), fullPage: true });
    await page.getByLabel(/Engines of Tomorrow/).check();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const flags = await landed();
    assert.equal(flags.get('success'), 'facebook-callback');
    const account = await sdkFor(portico).socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId });
    assert.equal(account.externalId, '100200300400502');
    assert.equal(account.displayName, 'Engines of Tomorrow');
    await page.goto(url);
    assert.match(
      (await page.locator('.row').first().textContent()) ?? '',
      /Connected as Engines of Tomorrow/,
    );
  });

  test('a Facebook user with no Pages: back at the app with error=facebook-not-enough-pages', async () => {
    const teamId = await newTeam('No pages');
    await page.goto(await portalLink(teamId, { socialAccountTypes: ['FACEBOOK'] }));
    await page.getByRole('button', { name: 'Connect Facebook' }).click();
    await page.selectOption('#user', 'fb-noah');
    await page.locator('#approve').click();
    const flags = await landed();
    assert.equal(flags.get('error'), 'facebook-not-enough-pages');
  });

  test('connect Mastodon: the page asks for the server first; a wrong one is said so', async () => {
    const teamId = await newTeam('Mastodon');
    await page.goto(await portalLink(teamId, { socialAccountTypes: ['MASTODON'] }));
    await page.getByRole('link', { name: 'Connect Mastodon' }).click();
    await page.waitForURL(/ask=MASTODON/);
    assert.equal(await page.locator('h1').textContent(), 'Connect Mastodon');
    assert.ok(
      await page.locator('#server').evaluate((el) => el === document.activeElement),
      'the field has focus',
    );
    await page.locator('#server').fill('not-a-mastodon.invalid');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/notice=serverInvalid/);
    assert.match(
      (await page.locator('[role=alert]').textContent()) ?? '',
      /server address didn’t work|server address didn't work/,
    );
    assert.equal(await page.locator('#server').inputValue(), 'not-a-mastodon.invalid');
    await page.screenshot({ path: join(SHOTS, 'mastodon-server.png'), fullPage: true });
    await page.locator('#server').fill('mastodon.social');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#approve').click();
    const flags = await landed();
    assert.equal(flags.get('success'), 'mastodon-callback');
    const account = await sdkFor(portico).socialAccount.socialAccountGetByType({ type: 'MASTODON', teamId });
    assert.equal(account.mastodonServerId, 'mastodon.social');
  });

  test('a link with serverUrl connects Mastodon on that server without asking', async () => {
    const teamId = await newTeam('Mastodon fixed');
    await page.goto(
      await portalLink(teamId, { socialAccountTypes: ['MASTODON'], serverUrl: 'https://mastodon.social' }),
    );
    await page.getByRole('button', { name: 'Connect Mastodon' }).click();
    await page.locator('#approve').click();
    assert.equal((await landed()).get('success'), 'mastodon-callback');
  });

  test('a cancelled connect: back at the app with error=twitter-callback', async () => {
    const teamId = await newTeam('Cancel');
    await page.goto(await portalLink(teamId, { socialAccountTypes: ['TWITTER'] }));
    await page.getByRole('button', { name: 'Connect X (Twitter)' }).click();
    await page.locator('#deny').click();
    const flags = await landed();
    assert.deepEqual(Object.fromEntries(flags), { tab: 'social', error: 'twitter-callback' });
  });

  test('maxSocialAccountsConnected: no new connections, and why; reconnect and disconnect still work', async () => {
    const teamId = await newTeam('Limit');
    await hostedConnect(sdkFor(portico), portico, {
      type: 'TWITTER',
      teamId,
      redirectUrl: `${app.url}/settings`,
    });
    const url = await portalLink(teamId, {
      socialAccountTypes: ['TWITTER', 'FACEBOOK'],
      maxSocialAccountsConnected: 1,
    });
    await page.goto(url);
    assert.match(
      (await page.locator('[role=status]').first().textContent()) ?? '',
      /You have reached the limit of 1 connected account/,
    );
    assert.equal(await connectButton('FACEBOOK').isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Reconnect X (Twitter)' }).isEnabled(), true);
    await page.screenshot({ path: join(SHOTS, 'limit.png'), fullPage: true });
    await page.getByRole('link', { name: 'Disconnect X (Twitter)' }).click();
    await page.waitForURL(/disconnect=TWITTER/);
    assert.equal(await page.locator('h1').textContent(), 'Disconnect X (Twitter)?');
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /no longer be able to post as Ada Lovelace/,
    );
    await page.screenshot({ path: join(SHOTS, 'disconnect.png') });
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.waitForURL(/notice=disconnected/);
    assert.match(
      (await page.locator('[role=status]').first().textContent()) ?? '',
      /X \(Twitter\) was disconnected/,
    );
    assert.equal(await connectButton('FACEBOOK').isEnabled(), true);
  });

  test('the success dialog: “go back to the app” carries the success flag', async () => {
    const teamId = await newTeam('Dialog back');
    await page.goto(
      await portalLink(teamId, { socialAccountTypes: ['TWITTER'], showModalOnConnectSuccess: true }),
    );
    await page.getByRole('button', { name: 'Connect X (Twitter)' }).click();
    await page.locator('#approve').click();
    await page.waitForURL(/connected=TWITTER/);
    const dialog = page.locator('dialog');
    assert.equal(await dialog.evaluate((d) => d.matches(':modal')), true, 'a modal dialog');
    assert.match((await dialog.textContent()) ?? '', /X \(Twitter\) is connected/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'done-back');
    await page.screenshot({ path: join(SHOTS, 'success-dialog.png') });
    await page.getByRole('link', { name: 'Go back to the app' }).click();
    assert.equal((await landed()).get('success'), 'twitter-callback');
  });

  test('the success dialog: “connect another account” stays on the page', async () => {
    const teamId = await newTeam('Dialog more');
    const url = await portalLink(teamId, {
      socialAccountTypes: ['TWITTER', 'LINKEDIN'],
      showModalOnConnectSuccess: true,
    });
    await page.goto(url);
    await page.getByRole('button', { name: 'Connect X (Twitter)' }).click();
    await page.locator('#approve').click();
    await page.waitForURL(/connected=TWITTER/);
    await page.getByRole('link', { name: 'Connect another account' }).click();
    await page.waitForURL((u) => !u.searchParams.has('connected'));
    assert.equal(await page.locator('dialog').count(), 0);
    assert.match((await page.locator('.row').first().textContent()) ?? '', /Connected as Ada Lovelace/);
    await page.getByRole('button', { name: 'Connect LinkedIn' }).click();
    await page.locator('#approve').click();
    await page.waitForURL(/choose=LINKEDIN/);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.waitForURL(/connected=LINKEDIN/);
    assert.match((await page.locator('dialog').textContent()) ?? '', /LinkedIn is connected/);
  });

  test('a connect by keyboard alone', async () => {
    const teamId = await newTeam('Keyboard');
    await page.goto(await portalLink(teamId, { socialAccountTypes: ['TWITTER'] }));
    const target = 'Connect X (Twitter)';
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
      if (focused === target) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), target);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.equal(outline, 'solid', 'focus is visible');
    await page.keyboard.press('Enter');
    await page.locator('#approve').waitFor();
    for (let i = 0; i < 30; i++) {
      if (await page.evaluate(() => document.activeElement?.id === 'approve')) break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    assert.equal((await landed()).get('success'), 'twitter-callback');
  });

  test('issue 13, done when: a link by plain HTTP, Polish then Arabic, X, then a Facebook Page, each back with its flag', async () => {
    const teamId = await newTeam('Done when');
    // As `curl` would: the API alone, no SDK.
    const res = await fetch(`${portico.url}/api/v1/social-account/create-portal-link`, {
      method: 'POST',
      headers: { 'x-api-key': portico.adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        teamId,
        socialAccountTypes: ['TWITTER', 'FACEBOOK'],
        redirectUrl: `${app.url}/settings?tab=social`,
        expiresIn: 30,
      }),
    });
    const { url } = (await res.json()) as { url: string };
    await page.goto(url);
    await page.selectOption('#lang', 'pl');
    await page.waitForURL(/lang=pl/);
    assert.equal(await page.getAttribute('html', 'lang'), 'pl');
    await page.selectOption('#lang', 'ar');
    await page.waitForURL(/lang=ar/);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    await connectButton('TWITTER').click();
    await page.locator('#approve').click();
    assert.deepEqual(Object.fromEntries(await landed()), { tab: 'social', success: 'twitter-callback' });
    await page.goto(url);
    await connectButton('FACEBOOK').click();
    await page.selectOption('#user', 'fb-ada');
    await page.locator('#approve').click();
    await page.waitForURL(/choose=FACEBOOK/);
    await page.getByLabel(/Ada's Analytical Bakery/).check();
    await page.locator('form[action$="/select"] button').click();
    assert.deepEqual(Object.fromEntries(await landed()), { tab: 'social', success: 'facebook-callback' });
    await page.goto(url);
    const rows = await page.locator('.row .status').allTextContents();
    assert.match(rows[0]!, /Ada Lovelace/);
    assert.match(rows[1]!, /Ada's Analytical Bakery/);
  });

  test('the switcher by keyboard: arrow keys choose without reloading, Enter switches', async () => {
    const teamId = await newTeam('Keyboard switcher');
    const url = await portalLink(teamId, { socialAccountTypes: ['TWITTER'], language: 'en' });
    await page.goto(url);
    await page.locator('#lang').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'no reload on each arrow');
    await page.keyboard.press('Enter');
    await page.waitForURL(/lang=fr/);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  });

  test('without JavaScript: the switcher’s button, a connect, the success page as a plain dialog', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: DESKTOP });
    const plain = await context.newPage();
    plain.setDefaultTimeout(10_000);
    try {
      const teamId = await newTeam('No script');
      await plain.goto(
        await portalLink(teamId, { socialAccountTypes: ['TWITTER'], showModalOnConnectSuccess: true }),
      );
      await plain.selectOption('#lang', 'de');
      assert.equal(await plain.getAttribute('html', 'lang'), 'en', 'choosing alone does nothing');
      await plain.locator('.lang button').click();
      await plain.waitForURL(/lang=de/);
      assert.equal(await plain.getAttribute('html', 'lang'), 'de');
      await connectButtonIn(plain, 'TWITTER').click();
      await plain.locator('#approve').click();
      await plain.waitForURL(/connected=TWITTER/);
      assert.equal(await plain.locator('dialog[open]').isVisible(), true);
      await plain.locator('#done-back').click();
      await plain.waitForURL((u) => u.href.startsWith(app.url));
      assert.equal(new URL(plain.url()).searchParams.get('success'), 'twitter-callback');
    } finally {
      await context.close();
    }
  });

  const connectButtonIn = (p: Page, type: string) =>
    p.locator(`form:has(input[name=type][value=${type}]) button`).first();

  test('an expired link and an unknown one: friendly pages, the way back when the app is known', async () => {
    const res = await page.goto(`${portico.url}/portal/ptl_${'x'.repeat(43)}`);
    assert.equal(res?.status(), 404);
    assert.equal(await page.locator('h1').textContent(), "This link doesn't work");
    await page.screenshot({ path: join(SHOTS, 'unknown.png') });
  });
});
