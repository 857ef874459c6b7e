/**
 * The portal page's benchmark keeps working: a short run in Chromium measures its weight and first paint
 * with a bare page's as the baseline. Only the shape is asserted, never a speed. (In a file of its own: the
 * main harness test and this one each need a Chromium or a Portico of their own, and time.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchPortal, describePortal } from '../../bench/portal.ts';

test('the bench measures the portal page in Chromium against a bare page', async () => {
  const portal = await benchPortal(2);
  assert.equal(portal.loads, 2);
  assert.ok(portal.htmlBytes > 1000, JSON.stringify(portal));
  for (const key of [
    'firstPaintP50Ms',
    'firstPaintP95Ms',
    'serverP50Ms',
    'baselineFirstPaintP50Ms',
  ] as const) {
    assert.ok(portal[key] > 0, key);
  }
  assert.match(describePortal(portal), /^portal page \(Chromium, loopback\): [\d.]+ KB before images/);
});
