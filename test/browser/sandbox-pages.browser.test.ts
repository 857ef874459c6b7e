/**
 * The simulator's consent and error pages on a 390 px wide phone (Chromium driven by Playwright): nothing
 * is wider than the screen, the card keeps a margin on both sides, and nothing sticks out of the card.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { startSandboxServer } from '../../src/sandbox/index.ts';
import { findChromium } from '../support/chromium.ts';
import { sandboxPages } from '../support/sandbox-pages.ts';

const PHONE = { width: 390, height: 844 };
/** The least room between the card and the screen's edge. */
const MIN_MARGIN_PX = 8;

describe('sandbox pages on a phone', () => {
  let sandbox: Awaited<ReturnType<typeof startSandboxServer>>;
  let browser: Browser;
  before(async () => {
    sandbox = await startSandboxServer();
    const found = await findChromium();
    browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
  });
  after(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  test('every consent and error page fits 390 px with the card clear of both edges', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    const at = (host: string, path: string) => `${sandbox.url}/${host}${path}`;
    for (const { name, url, status } of sandboxPages(at, 'https://app.example/callback')) {
      const response = await page.goto(url);
      assert.equal(response?.status(), status, name);
      const layout = await page.evaluate(() => {
        const main = document.querySelector('main')!.getBoundingClientRect();
        const outside = [...document.querySelectorAll('main *')]
          .filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && (box.left < main.left - 0.5 || box.right > main.right + 0.5);
          })
          .map((el) => el.id || el.tagName.toLowerCase());
        return {
          pageWidth: document.documentElement.scrollWidth,
          left: main.left,
          right: window.innerWidth - main.right,
          outside,
        };
      });
      assert.ok(layout.pageWidth <= PHONE.width, `${name}: the page is ${layout.pageWidth} px wide`);
      assert.ok(layout.left >= MIN_MARGIN_PX, `${name}: the card is ${layout.left} px from the left edge`);
      assert.ok(layout.right >= MIN_MARGIN_PX, `${name}: the card is ${layout.right} px from the right edge`);
      assert.deepEqual(layout.outside, [], `${name}: elements stick out of the card`);
    }
    await page.close();
  });
});
