/**
 * One full connect in a real browser (Chromium driven by Playwright; `findChromium()` says which one): the
 * app's page links to the connect URL, the user approves on the simulator's consent page, and lands back on
 * the app.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { findChromium } from '../support/chromium.ts';
import { createConnectLink, pollConnect } from '../support/connect-flow.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';
import { type ReturnServer, startReturnServer } from '../support/return-server.ts';

describe('connect in a real browser', () => {
  let portico: TestPortico;
  let app: ReturnServer;
  let browser: Browser;
  before(async () => {
    portico = await startTestPortico('pglite');
    app = await startReturnServer();
    const found = await findChromium();
    console.log(`browser: ${found.executablePath} (${found.source})`);
    browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await portico?.close();
  });

  test('a user approves a Facebook connect and lands back on the app with connected=<pages>', async () => {
    const link = await createConnectLink(portico, 'facebook', { return_url: `${app.url}/connected` });
    const page = await browser.newPage();
    await page.goto(link.connect_url);
    assert.match((await page.locator('h1').textContent()) ?? '', /Facebook/);
    await page.locator('#approve').click();
    await page.waitForURL((url) => url.pathname === '/connected');
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('platform'), 'facebook');
    const connected = Number(landed.searchParams.get('connected'));
    assert.ok(connected >= 1);
    assert.equal(await page.locator('h1').textContent(), 'Back in the app');
    const polled = await pollConnect(portico, link.state_token);
    assert.equal(polled.status, 'connected');
    assert.equal(polled.accounts.length, connected);
  });

  test('a user who unticks a required permission lands back with error=not_enough_permissions', async () => {
    const link = await createConnectLink(portico, 'twitter', { return_url: `${app.url}/connected` });
    const page = await browser.newPage();
    await page.goto(link.connect_url);
    await page.getByLabel('tweet.write').uncheck();
    await page.locator('#approve').click();
    await page.waitForURL((url) => url.pathname === '/connected');
    assert.equal(new URL(page.url()).searchParams.get('error'), 'not_enough_permissions');
  });
});
