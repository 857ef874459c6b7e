import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { credentialsOf, withToken } from '../support/accounts.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';
import { BACKENDS } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`LinkedIn connect, end to end (${backend})`, () => {
    const fx = connectFixture(backend);
    const user = (name: string, scenario?: Record<string, unknown>) => fx.user('linkedin', name, scenario);

    test('the member and every organization they administer become accounts', async () => {
      const reid = await user('Reid');
      const flow = await connectThroughSandbox(fx.portico, 'linkedin', {
        user: reid.id,
        body: { return_url: `${fx.app.url}/li` },
      });
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(flow.location?.searchParams.get('connected'), String(polled.accounts.length));
      const types = polled.accounts.map((a: any) => a.target_type);
      // In the order they were found: the member, then each organization.
      assert.equal(types[0], 'profile');
      assert.ok(types.length >= 2);
      assert.ok(
        types.slice(1).every((t: string) => t === 'organization'),
        types.join(),
      );
      const listed = (await (await fx.portico.api('/v1/social/accounts?platform=linkedin')).json()) as any;
      const ids = polled.accounts.map((a: any) => a.id);
      assert.deepEqual(
        listed.data.map((a: any) => a.id).filter((id: string) => ids.includes(id)),
        ids,
        'the account list keeps that order',
      );
      const member = polled.accounts.find((a: any) => a.target_type === 'profile');
      assert.match(member.platform_account_id, /^urn:li:person:/);
      assert.equal(member.display_name, 'Reid');
      for (const org of polled.accounts.filter((a: any) => a.target_type === 'organization')) {
        assert.match(org.platform_account_id, /^urn:li:organization:\d+$/);
        assert.ok(org.display_name);
      }
      assert.ok(member.scopes.includes('w_member_social'), 'the comma-separated scope was read');
    });

    test('a member without organizations connects just the member', async () => {
      const solo = await user('Solo', { targets: 'none' });
      const flow = await connectThroughSandbox(fx.portico, 'linkedin', { user: solo.id });
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.deepEqual(
        polled.accounts.map((a: any) => a.target_type),
        ['profile'],
      );
    });

    test('not granting the organization scope connects just the member', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'linkedin', {
        uncheck: ['rw_organization_admin'],
      });
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.deepEqual(
        polled.accounts.map((a: any) => a.target_type),
        ['profile'],
      );
    });

    test('cancelling (user_cancelled_authorize) gets error=access_denied', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'linkedin', {
        decision: 'deny',
        body: { return_url: `${fx.app.url}/li` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'access_denied');
    });

    test('not granting w_member_social gets error=not_enough_permissions', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'linkedin', {
        uncheck: ['w_member_social'],
        body: { return_url: `${fx.app.url}/li` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'not_enough_permissions');
    });

    test('an expiring token is refreshed and the refresh token keeps working', async () => {
      const short = await user('Short', { accessTtlSeconds: 30 });
      const flow = await connectThroughSandbox(fx.portico, 'linkedin', { user: short.id });
      const member = (await pollConnect(fx.portico, flow.link.state_token)).accounts.find(
        (a: any) => a.target_type === 'profile',
      );
      for (let i = 0; i < 2; i++) {
        const { access_token } = await credentialsOf(fx.portico, member.id);
        const me = await withToken(`${fx.sandbox}/api.linkedin.com/v2/userinfo`, access_token);
        assert.equal(me.status, 200);
      }
    });

    test('a token endpoint answering 429 fails with platform_unavailable', async () => {
      const limited = await user('Limited', { tokenEndpoint: '429' });
      const flow = await connectThroughSandbox(fx.portico, 'linkedin', {
        user: limited.id,
        body: { return_url: `${fx.app.url}/li` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_unavailable');
    });
  });
}
