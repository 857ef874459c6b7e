/**
 * The hosted product's live checks through its SDK: connection-check probes the platform, profile-refresh
 * reads the profile again and saves it; both are rate limited per account (PORTICO_ACCOUNT_CHECK_*).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grantTokenContext } from '../../src/accounts/tokens.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { hostedConnect, sdkFailure, sdkFor } from './support.ts';

describe('hosted API: connection-check and profile-refresh, through the SDK', () => {
  const fx = connectFixture('pglite', {
    PORTICO_ACCOUNT_CHECK_LIMIT: '2',
    PORTICO_ACCOUNT_CHECK_WINDOW_SECONDS: '600',
  });

  async function connectX(name: string) {
    const sdk = sdkFor(fx.portico);
    const res = await fx.portico.api('/v1/teams', { method: 'POST', json: { name } });
    const teamId = ((await res.json()) as any).data.id as string;
    const user = await fx.user('twitter', name);
    await hostedConnect(
      sdk,
      fx.portico,
      { type: 'TWITTER', teamId, redirectUrl: `${fx.app.url}/x` },
      { user: user.id },
    );
    const account = await sdk.socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId });
    return { sdk, teamId, account };
  }

  test('connection-check: success while the token works, with the account’s budget; then 429', async () => {
    const { sdk, teamId, account } = await connectX('Checker');
    const first = await sdk.socialAccount.socialAccountConnectionCheck({
      requestBody: { type: 'TWITTER', teamId },
    });
    assert.equal(first.success, true);
    assert.equal(first.socialAccountId, account.id);
    assert.ok(Date.parse(first.checkedAt));
    assert.deepEqual([first.limit, first.used, first.remaining, first.windowSeconds], [2, 1, 1, 600]);
    const second = await sdk.socialAccount.socialAccountConnectionCheck({
      requestBody: { type: 'TWITTER', teamId },
    });
    assert.deepEqual([second.used, second.remaining], [2, 0]);
    const third = await sdkFailure(
      sdk.socialAccount.socialAccountConnectionCheck({ requestBody: { type: 'TWITTER', teamId } }),
    );
    assert.equal(third.status, 429);
    assert.equal(third.body.error, 'RATE_LIMITED');
  });

  test('connection-check: a token the platform refuses is success=false with a message', async () => {
    const { sdk, teamId, account } = await connectX('Refused');
    const { db, keyring } = fx.portico.runtime;
    const row = await db
      .selectFrom('accounts')
      .select('grant_id')
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    const grant = await db
      .selectFrom('grants')
      .selectAll()
      .where('id', '=', row.grant_id)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('grants')
      .set({ access_token_enc: keyring.encrypt('not-a-real-token', grantTokenContext(grant, 'access')) })
      .where('id', '=', grant.id)
      .execute();
    const checked = await sdk.socialAccount.socialAccountConnectionCheck({
      requestBody: { type: 'TWITTER', teamId },
    });
    assert.equal(checked.success, false);
    assert.ok(checked.message);
  });

  test('profile-refresh reads the name again and saves it', async () => {
    const { sdk, teamId, account } = await connectX('Fresh Name');
    const { db } = fx.portico.runtime;
    await db.updateTable('accounts').set({ display_name: 'Stale' }).where('id', '=', account.id).execute();
    const row = await db
      .selectFrom('accounts')
      .select('grant_id')
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    await db.updateTable('grants').set({ subject_name: 'Stale' }).where('id', '=', row.grant_id).execute();
    const stale = await sdk.socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId });
    assert.equal(stale.displayName, 'Stale');

    const refreshed = await sdk.socialAccount.socialAccountProfileRefresh({
      requestBody: { type: 'TWITTER', teamId },
    });
    assert.equal(refreshed.success, true);
    assert.equal(refreshed.socialAccountId, account.id);
    assert.equal(refreshed.socialAccount.displayName, 'Fresh Name');
    assert.equal(refreshed.socialAccount.userDisplayName, 'Fresh Name');
    assert.deepEqual([refreshed.limit, refreshed.used, refreshed.remaining], [2, 1, 1]);
    const read = await sdk.socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId });
    assert.equal(read.displayName, 'Fresh Name', 'saved');
  });
});
