/**
 * The hosted portal page as a browser gets it: its weight (the HTML with its inline stylesheet, script and
 * icons: everything but the app's own images) and the time from navigation to first contentful paint in
 * Chromium, over loopback. Goals (issue 13): under 30 KB, under 150 ms. The page measured is the heaviest
 * a link makes: every served platform, one of them connected, logo, user, switcher, go-back button.
 */
import { chromium } from 'playwright-core';
import { allPlatforms } from '../src/platforms/registry.ts';
import { findChromium } from '../test/support/chromium.ts';
import { startTestPortico } from '../test/support/portico.ts';

export interface PortalMeasurement {
  htmlBytes: number;
  loads: number;
  firstPaintP50Ms: number;
  firstPaintP95Ms: number;
}

export async function benchPortal(loads = 30): Promise<PortalMeasurement> {
  const portico = await startTestPortico('pglite');
  const browser = await chromium.launch(await launchOptions());
  try {
    const created = await portico.api('/api/v1/social-account/create-portal-link', {
      method: 'POST',
      json: {
        teamId: portico.teamId,
        redirectUrl: 'https://app.example.com/settings',
        socialAccountTypes: allPlatforms().map((m) => m.hosted.type),
        // Not loaded (no network): the goals are for the page before its images.
        logoUrl: 'https://cdn.example.com/logo.svg',
        userLogoUrl: 'https://cdn.example.com/user.png',
        userName: 'Ada Lovelace',
        expiresIn: 60,
      },
    });
    const { url } = (await created.json()) as { url: string };
    const htmlBytes = (await (await fetch(url)).arrayBuffer()).byteLength;
    const page = await browser.newPage();
    // Images are refused, so that the page is measured alone and nothing waits on the network.
    await page.route(/^https:\/\//, (route) => route.abort());
    const paints: number[] = [];
    for (let i = 0; i < loads + 3; i++) {
      await page.goto(url, { waitUntil: 'load' });
      const paint = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const found = performance.getEntriesByName('first-contentful-paint')[0];
            if (found) return resolve(found.startTime);
            new PerformanceObserver((list) => resolve(list.getEntries()[0]!.startTime)).observe({
              type: 'paint',
              buffered: true,
            });
          }),
      );
      if (i >= 3) paints.push(paint); // the first loads warm Chromium and Portico up
    }
    paints.sort((a, b) => a - b);
    const at = (q: number) => paints[Math.min(paints.length - 1, Math.floor(q * paints.length))]!;
    return { htmlBytes, loads, firstPaintP50Ms: at(0.5), firstPaintP95Ms: at(0.95) };
  } finally {
    await browser.close();
    await portico.close();
  }
}

async function launchOptions() {
  const found = await findChromium();
  return { executablePath: found.executablePath, args: found.args };
}
