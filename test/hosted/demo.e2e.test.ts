/** Issue 11's "done when": the SDK-only demo script runs against a running Portico in sandbox mode. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDemo } from '../../scripts/hosted-sdk-demo.ts';
import { startTestPortico, type TestPortico } from '../support/portico.ts';

describe('scripts/hosted-sdk-demo.ts', () => {
  test('connects X, Facebook with a Page, LinkedIn with an organization; disconnects X; the rest usable on /v1', async () => {
    const portico: TestPortico = await startTestPortico('pglite');
    try {
      const result = await runDemo(portico.url, portico.adminKey);
      assert.deepEqual(result.flags, {
        TWITTER: '?success=twitter-callback',
        FACEBOOK: '?success=facebook-callback',
        LINKEDIN: '?success=linkedin-callback',
      });
      assert.equal(result.teamAccountsBeforeDisconnect.length, 3);
      assert.deepEqual(result.teamAccountsAfterDisconnect.map((a) => a.split(':')[0]).sort(), [
        'FACEBOOK',
        'LINKEDIN',
      ]);
      assert.deepEqual(result.usableOnV1, [result.pageAccountId, result.organizationAccountId]);
    } finally {
      await portico.close();
    }
  });
});
