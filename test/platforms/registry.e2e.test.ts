/**
 * Every registered platform module, run through connect, refresh and revoke against the simulator. The
 * simulator is an independent reading of each platform's docs, so a wrong endpoint, parameter, separator
 * or client-auth method in a module fails here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { probeGrant } from '../../src/accounts/probe.ts';
import { revokeGrant } from '../../src/accounts/revoke.ts';
import { resolveOAuthApp } from '../../src/connect/oauth-apps.ts';
import { platformContext } from '../../src/connect/platform-context.ts';
import { PlatformError } from '../../src/platforms/api.ts';
import { allPlatforms } from '../../src/platforms/registry.ts';
import { type PlatformContext, type PlatformModule, serverOf } from '../../src/platforms/types.ts';
import type { Grant } from '../../src/storage/schema.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';

describe('every platform module against the simulator', () => {
  // One clock for Portico and its simulator, moved forward instead of slept on.
  let elapsedMs = 0;
  const now = () => new Date(Date.now() + elapsedMs);
  const fx = connectFixture('pglite', {}, { now });

  async function context(platform: PlatformModule, grant: Grant): Promise<PlatformContext> {
    const { runtime } = fx.portico;
    const key = {
      teamId: fx.portico.teamId,
      module: platform,
      options: grant.options,
      instance: grant.instance,
    };
    const app = await resolveOAuthApp(runtime, key);
    assert.ok(app);
    return platformContext(runtime, platform, app, grant.options);
  }

  /** Connect options a platform needs in the sandbox (its simulated instance). */
  const OPTIONS: Record<string, Record<string, string>> = {
    mastodon: { server_url: 'https://mastodon.social' },
  };

  async function token(accountId: string): Promise<string> {
    const res = await fx.portico.api(`/v1/social/accounts/${accountId}/credentials`);
    assert.equal(res.status, 200);
    return ((await res.json()) as any).data.access_token;
  }

  for (const platform of allPlatforms()) {
    test(`${platform.id}: connects, refreshes where it can, and revokes where it can`, async () => {
      const flow = await connectThroughSandbox(fx.portico, platform.id, { body: OPTIONS[platform.id] ?? {} });
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected', JSON.stringify(polled.error));
      assert.ok(polled.accounts.length >= 1);
      for (const account of polled.accounts) assert.ok(platform.targets.types.includes(account.target_type));

      // The account whose token is the grant's own (not a Page token) proves the grant works.
      const account = polled.accounts.find((a: any) => a.target_type === platform.targets.types[0]);
      const grant = await fx.portico.runtime.db
        .selectFrom('grants')
        .selectAll()
        .where('platform', '=', platform.id)
        .orderBy('updated_at', 'desc')
        .executeTakeFirstOrThrow();
      const ctx = await context(platform, grant);

      if (platform.refresh.kind === 'oauth2' || platform.refresh.kind === 'exchange') {
        const before = await token(account.id);
        // A day on (Threads refreshes only tokens at least 24 hours old), and the token about to expire.
        elapsedMs += 25 * 60 * 60 * 1000;
        await fx.portico.runtime.db
          .updateTable('grants')
          .set({ access_expires_at: new Date(now().getTime() + 1000) })
          .where('id', '=', grant.id)
          .execute();
        const after = await token(account.id);
        assert.notEqual(after, before, 'a refresh happened');
        const me = await platform.identity(ctx, { accessToken: after });
        assert.equal(me.id, grant.subject, 'the refreshed token is the same user’s');
      }

      if (platform.revoke || serverOf(platform, grant.options)?.revokeUrl) {
        const access = await token(account.id);
        const current = await fx.portico.runtime.db
          .selectFrom('grants')
          .selectAll()
          .where('id', '=', grant.id)
          .executeTakeFirstOrThrow();
        assert.ok((await probeGrant(fx.portico.runtime, current)).ok, 'the probe sees a working token');
        const revoked = await revokeGrant(fx.portico.runtime, current);
        assert.ok(revoked.ok, JSON.stringify(!revoked.ok && revoked.failure));
        const probed = await probeGrant(fx.portico.runtime, current);
        assert.ok(
          !probed.ok && probed.failure.kind === 'refused',
          'the probe sees the revoked token refused',
        );
        await assert.rejects(platform.identity(ctx, { accessToken: access }), (error: unknown) => {
          // 401 on most platforms; Graph answers an invalidated token with 400 (OAuthException 190).
          return (
            error instanceof PlatformError && error.kind === 'refused' && [400, 401].includes(error.status!)
          );
        });
      }
    });
  }
});
