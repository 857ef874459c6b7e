/**
 * The home page, the API reference and the page after a connect in a real browser: they load without a
 * single console error (a Content-Security-Policy violation is one), and the reference shows Portico's logo.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { findChromium } from '../support/chromium.ts';
import { createConnectLink } from '../support/connect-flow.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

describe('Portico’s own pages in a real browser', () => {
  let portico: TestPortico;
  let browser: Browser;
  before(async () => {
    portico = await startTestPortico('pglite');
    const found = await findChromium();
    browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
  });
  after(async () => {
    await browser?.close();
    await portico?.close();
  });

  /** Opens `url` and returns the page with every console error and policy violation it produced. */
  async function open(url: string, settled: (page: Page) => Promise<unknown>) {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    await page.goto(url);
    await settled(page);
    // Swagger UI renders after loading; give late errors a moment to arrive.
    await page.waitForTimeout(500);
    return { page, problems };
  }

  test('/docs loads with no console error, shows Portico’s logo and links the OpenAPI document', async () => {
    const { page, problems } = await open(`${portico.url}/docs`, (p) =>
      p.locator('.swagger-ui .opblock').first().waitFor(),
    );
    assert.deepEqual(problems, []);
    assert.equal(await page.title(), 'Portico API reference');
    const logo = await page.locator('.topbar a.link img').getAttribute('src');
    assert.ok(logo?.startsWith('data:image/svg+xml;base64,'));
    assert.match(Buffer.from(logo!.split(',')[1]!, 'base64').toString(), /aria-label="Portico"/);
    assert.equal(await page.locator('.swagger-ui .info a[href="/openapi.json"]').count(), 1);
    await page.close();
  });

  test('the home page loads with no console error and leads to the reference', async () => {
    const { page, problems } = await open(`${portico.url}/`, (p) => p.locator('h1').waitFor());
    assert.deepEqual(problems, []);
    await page.locator('a[href="/docs"]').click();
    await page.waitForURL((url) => url.pathname.startsWith('/docs'));
    await page.close();
  });

  test('the page after a connect without a return URL loads with no console error', async () => {
    const link = await createConnectLink(portico, 'twitter');
    const { page, problems } = await open(link.connect_url, (p) => p.locator('#approve').waitFor());
    const onConsentPage = problems.length; // the simulator's page is not Portico's
    await page.locator('#approve').click();
    await page.waitForURL((url) => url.pathname.startsWith('/oauth/callback/'));
    await page.waitForTimeout(300);
    assert.deepEqual(problems.slice(onConsentPage), []);
    assert.match((await page.locator('h1').textContent()) ?? '', /account is connected/);
    await page.close();
  });
});
