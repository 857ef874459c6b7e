/** The simulator's HTML pages: consent and error pages on every platform send the same protective headers. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sandboxPages } from '../support/sandbox-pages.ts';
import { REDIRECT_URI, useTestSandbox } from './helpers.ts';

describe('sandbox pages', () => {
  const sb = useTestSandbox();

  test('every consent and error page is nosniff, no-referrer, no-store and never framed', async () => {
    for (const page of sandboxPages(sb.at, REDIRECT_URI)) {
      const response = await fetch(page.url, { redirect: 'manual' });
      assert.equal(response.status, page.status, page.name);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/, page.name);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', page.name);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', page.name);
      assert.equal(response.headers.get('cache-control'), 'no-store', page.name);
      assert.match(
        response.headers.get('content-security-policy') ?? '',
        /frame-ancestors 'none'/,
        page.name,
      );
      await response.body?.cancel();
    }
  });
});
