import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { credentialsOf } from '../support/accounts.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { connectFailure, connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';
import { BACKENDS } from '../support/storage.ts';

const DAY = 24 * 60 * 60 * 1000;

for (const backend of BACKENDS) {
  describe(`Facebook connect, end to end (${backend})`, () => {
    const fx = connectFixture(backend);
    const user = (name: string, scenario?: Record<string, unknown>) => fx.user('facebook', name, scenario);

    test('every Page the user manages becomes an account with its own Page token', async () => {
      const mark = await user('Mark');
      const flow = await connectThroughSandbox(fx.portico, 'facebook', {
        user: mark.id,
        body: { return_url: `${fx.app.url}/fb` },
      });
      const connected = Number(flow.location?.searchParams.get('connected'));
      assert.ok(connected >= 2, `connected=${connected}`);
      assert.equal(flow.location?.searchParams.get('platform'), 'facebook');
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.accounts.length, connected);
      for (const account of polled.accounts) {
        assert.equal(account.target_type, 'page');
        assert.ok(account.display_name);
        assert.equal(
          account.token_expires_at,
          null,
          'Page tokens made from a long-lived user token do not expire',
        );
      }
      const [a, b] = polled.accounts;
      const credsA = await credentialsOf(fx.portico, a.id);
      const credsB = await credentialsOf(fx.portico, b.id);
      assert.notEqual(credsA.access_token, credsB.access_token, 'each Page has its own token');

      const grant = await fx.portico.runtime.db
        .selectFrom('grants')
        .selectAll()
        .where('platform', '=', 'facebook')
        .executeTakeFirstOrThrow();
      assert.ok(
        grant.access_expires_at!.getTime() - Date.now() > 50 * DAY,
        'the user token was exchanged for a long-lived one',
      );
    });

    test('a user without Pages gets error=no_targets', async () => {
      const lonely = await user('Lonely', { targets: 'none' });
      const flow = await connectThroughSandbox(fx.portico, 'facebook', {
        user: lonely.id,
        body: { return_url: `${fx.app.url}/fb` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'no_targets');
    });

    test('denying gets error=access_denied', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'facebook', {
        decision: 'deny',
        body: { return_url: `${fx.app.url}/fb` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'access_denied');
    });

    test('declining a required permission gets error=not_enough_permissions', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'facebook', {
        uncheck: ['pages_manage_posts'],
        body: { return_url: `${fx.app.url}/fb` },
      });
      const error = await connectFailure(fx.portico, flow, 'not_enough_permissions');
      assert.match(error.message, /pages_manage_posts/);
    });

    test('declining an optional permission still connects, and the account shows what was granted', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'facebook', { uncheck: ['business_management'] });
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected');
      assert.ok(!polled.accounts[0].scopes.includes('business_management'));
      assert.ok(polled.accounts[0].scopes.includes('pages_manage_posts'));
    });

    test('a token endpoint answering 500 fails with platform_unavailable', async () => {
      const broken = await user('Broken', { tokenEndpoint: '500' });
      const flow = await connectThroughSandbox(fx.portico, 'facebook', {
        user: broken.id,
        body: { return_url: `${fx.app.url}/fb` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_unavailable');
    });
  });
}
