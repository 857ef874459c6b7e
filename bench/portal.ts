/**
 * The hosted portal page as a browser gets it: its weight (the HTML with its inline stylesheet, script and
 * icons: everything but the app's own images) and the time from navigation to first contentful paint in
 * Chromium, over loopback. Goals (issue 13): under 30 KB, under 150 ms. The page measured is the heaviest
 * a link makes: every served platform, one of them connected, logo, user, switcher, go-back button.
 * Its baseline, in the same browser and run: a one-line HTML page from a bare `node:http` server, so that
 * the figure can be read on a busy machine too (the ratio carries over, the milliseconds do not).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from 'playwright-core';
import { allPlatforms } from '../src/platforms/registry.ts';
import { hostedConnect, sdkFor } from '../test/hosted/support.ts';
import { findChromium } from '../test/support/chromium.ts';
import { startTestPortico } from '../test/support/portico.ts';

export interface PortalMeasurement {
  htmlBytes: number;
  loads: number;
  firstPaintP50Ms: number;
  firstPaintP95Ms: number;
  /** Of which Portico's answer: request sent to first byte of the page (navigation timing). */
  serverP50Ms: number;
  /** The bare page's first paint, p50. */
  baselineFirstPaintP50Ms: number;
}

const BARE = '<!doctype html><html lang="en"><title>bare</title><p>Connect your social accounts</p></html>';

/** First contentful paint and time to first byte of `url`, `loads` times after three warm-up loads. */
async function paints(page: Page, url: string, loads: number) {
  const paint: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < loads + 3; i++) {
    await page.goto(url, { waitUntil: 'load' });
    const timing = await page.evaluate(
      () =>
        new Promise<{ paint: number; server: number }>((resolve) => {
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          const done = (fcp: number) => resolve({ paint: fcp, server: nav.responseStart - nav.requestStart });
          const found = performance.getEntriesByName('first-contentful-paint')[0];
          if (found) return done(found.startTime);
          new PerformanceObserver((list) => done(list.getEntries()[0]!.startTime)).observe({
            type: 'paint',
            buffered: true,
          });
        }),
    );
    if (i >= 3) {
      paint.push(timing.paint);
      server.push(timing.server);
    }
  }
  return { paint, server };
}

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

export async function benchPortal(loads = 30): Promise<PortalMeasurement> {
  const portico = await startTestPortico('pglite');
  const bare = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(BARE));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const found = await findChromium();
  const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
  try {
    await hostedConnect(sdkFor(portico), portico, {
      type: 'TWITTER',
      teamId: portico.teamId,
      redirectUrl: 'https://app.example.com/settings',
    });
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
    const baseline = await paints(page, `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, loads);
    const portal = await paints(page, url, loads);
    return {
      htmlBytes,
      loads,
      firstPaintP50Ms: quantile(portal.paint, 0.5),
      firstPaintP95Ms: quantile(portal.paint, 0.95),
      serverP50Ms: quantile(portal.server, 0.5),
      baselineFirstPaintP50Ms: quantile(baseline.paint, 0.5),
    };
  } finally {
    await browser.close();
    await new Promise((resolve) => bare.close(resolve));
    await portico.close();
  }
}

/** One line for the bench's report. */
export function describePortal(portal: PortalMeasurement): string {
  return (
    `portal page (Chromium, loopback): ${(portal.htmlBytes / 1024).toFixed(1)} KB before images (goal 30), ` +
    `first paint p50 ${portal.firstPaintP50Ms.toFixed(0)} ms, p95 ${portal.firstPaintP95Ms.toFixed(0)} ms ` +
    `over ${portal.loads} loads (goal 150); Portico's answer p50 ${portal.serverP50Ms.toFixed(0)} ms of it; ` +
    `a bare one-line page's first paint p50 ${portal.baselineFirstPaintP50Ms.toFixed(0)} ms`
  );
}
