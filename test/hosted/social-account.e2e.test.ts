/**
 * The hosted product's connect and social account, through its own SDK (`bundlesocial`) against a running
 * Portico with its simulator: an app written for that product works by changing only the base URL.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { credentialsOf } from '../support/accounts.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { flagsOf, hostedConnect, sdkFailure, sdkFor } from './support.ts';

describe('hosted API: connect and the social account, through the SDK', () => {
  const fx = connectFixture('pglite');

  test('X: connected with its one channel selected at once, back with success=twitter-callback', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = fx.portico.teamId;
    const jack = await fx.user('twitter', 'Jack');
    const { location } = await hostedConnect(
      sdk,
      fx.portico,
      { type: 'TWITTER', teamId, redirectUrl: `${fx.app.url}/back?tab=social` },
      { user: jack.id },
    );
    assert.equal(location.pathname, '/back');
    assert.deepEqual(flagsOf(location), { tab: 'social', success: 'twitter-callback' });

    const account = await sdk.socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId });
    assert.equal(account.type, 'TWITTER');
    assert.equal(account.teamId, teamId);
    assert.equal(account.userDisplayName, 'Jack');
    assert.equal(account.userUsername, 'jack');
    assert.ok(account.userId);
    assert.equal(account.externalId, account.userId, 'the one target is selected at once');
    assert.equal(account.channels?.length, 1);
    assert.equal(account.channels?.[0]?.id, account.externalId);
    assert.equal(account.deletedAt, null);
    assert.ok(account.createdAt && account.updatedAt);
    assert.ok(!JSON.stringify(account).toLowerCase().includes('token'), 'never a token');

    // The selected target is a usable /v1 account with the same id.
    const creds = await credentialsOf(fx.portico, account.id);
    assert.ok(creds.access_token);
  });

  test('disableAutoLogin asks for a new sign-in where the platform can (TikTok, Mastodon), and only then', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = fx.portico.teamId;
    const redirectUrl = `${fx.app.url}/back`;
    const authorize = async (body: Record<string, unknown>) =>
      new URL(
        (
          await sdk.socialAccount.socialAccountConnect({
            requestBody: { teamId, redirectUrl, ...body } as any,
          })
        ).url,
      );

    const tiktok = await authorize({ type: 'TIKTOK', disableAutoLogin: true });
    assert.equal(tiktok.searchParams.get('disable_auto_auth'), '1');
    const tiktokOwn = await authorize({ type: 'TIKTOK', tiktokForceLogin: true });
    assert.equal(tiktokOwn.searchParams.get('disable_auto_auth'), '1', 'tiktokForceLogin says the same');
    assert.equal((await authorize({ type: 'TIKTOK' })).searchParams.get('disable_auto_auth'), null);

    const mastodon = await authorize({
      type: 'MASTODON',
      serverUrl: 'https://mastodon.social',
      disableAutoLogin: true,
    });
    assert.equal(mastodon.searchParams.get('force_login'), 'true');
    assert.equal(
      (
        await authorize({ type: 'MASTODON', serverUrl: 'https://mastodon.social', tiktokForceLogin: true })
      ).searchParams.get('force_login'),
      null,
      'tiktokForceLogin is TikTok’s own',
    );

    // X documents no such parameter for OAuth 2.0: the link is the ordinary one.
    const x = await authorize({ type: 'TWITTER', disableAutoLogin: true });
    const plain = await authorize({ type: 'TWITTER' });
    assert.deepEqual([...x.searchParams.keys()].sort(), [...plain.searchParams.keys()].sort());
  });

  test('lower-case types are accepted', async () => {
    const sdk = sdkFor(fx.portico);
    const account = await sdk.socialAccount.socialAccountGetByType({
      type: 'twitter' as 'TWITTER',
      teamId: fx.portico.teamId,
    });
    assert.equal(account.type, 'TWITTER');
  });

  test('Facebook: connected with the Pages as channels and none selected; not usable on /v1 yet', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = fx.portico.teamId;
    const mark = await fx.user('facebook', 'Mark');
    const { location } = await hostedConnect(
      sdk,
      fx.portico,
      { type: 'FACEBOOK', teamId, redirectUrl: `${fx.app.url}/fb` },
      { user: mark.id },
    );
    assert.deepEqual(flagsOf(location), { success: 'facebook-callback' });
    const account = await sdk.socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId });
    assert.equal(account.externalId, null, 'nothing selected until set-channel');
    assert.ok((account.channels?.length ?? 0) >= 2, 'every Page is a channel');
    for (const channel of account.channels ?? []) assert.ok(channel.id && channel.name);
    assert.equal(account.userDisplayName, 'Mark');
    const res = await fx.portico.api(`/v1/social/accounts/${account.id}/credentials`);
    assert.equal(res.status, 404, 'an account with no channel selected is not usable on /v1');
  });

  test('a Facebook user without Pages comes back with error=facebook-not-enough-pages', async () => {
    const sdk = sdkFor(fx.portico);
    const lonely = await fx.user('facebook', 'Lonely', { targets: 'none' });
    const { location } = await hostedConnect(
      sdk,
      fx.portico,
      { type: 'FACEBOOK', teamId: fx.portico.teamId, redirectUrl: `${fx.app.url}/fb` },
      { user: lonely.id },
    );
    assert.deepEqual(flagsOf(location), { error: 'facebook-not-enough-pages' });
  });

  test('declining comes back with the generic error=<platform>-callback', async () => {
    const sdk = sdkFor(fx.portico);
    const { location } = await hostedConnect(
      sdk,
      fx.portico,
      { type: 'TWITTER', teamId: fx.portico.teamId, redirectUrl: `${fx.app.url}/x` },
      { decision: 'deny' },
    );
    assert.deepEqual(flagsOf(location), { error: 'twitter-callback' });
  });

  test('by-type of a type the team has not connected is 404', async () => {
    const sdk = sdkFor(fx.portico);
    const failed = await sdkFailure(
      sdk.socialAccount.socialAccountGetByType({ type: 'TIKTOK', teamId: fx.portico.teamId }),
    );
    assert.equal(failed.status, 404);
    assert.equal(failed.body.statusCode, 404);
  });

  test('a missing teamId is 400 naming it in issues', async () => {
    const sdk = sdkFor(fx.portico);
    const failed = await sdkFailure(
      sdk.socialAccount.socialAccountConnect({
        requestBody: { type: 'TWITTER', redirectUrl: `${fx.app.url}/x` } as never,
      }),
    );
    assert.equal(failed.status, 400);
    assert.equal(failed.body.statusCode, 400);
    assert.ok(
      failed.body.issues.some((i: any) => i.path.join('.') === 'teamId'),
      JSON.stringify(failed.body),
    );
  });

  test('a type Portico does not serve is 400 naming it and listing the served ones', async () => {
    const sdk = sdkFor(fx.portico);
    const failed = await sdkFailure(
      sdk.socialAccount.socialAccountConnect({
        requestBody: { type: 'PINTEREST', teamId: fx.portico.teamId, redirectUrl: `${fx.app.url}/x` },
      }),
    );
    assert.equal(failed.status, 400);
    assert.match(failed.body.message, /PINTEREST/);
    assert.match(failed.body.message, /TWITTER/);
    assert.deepEqual(
      failed.body.issues.map((i: any) => i.path.join('.')),
      ['type'],
    );
  });

  test('a wrong key is 401', async () => {
    const sdk = sdkFor(fx.portico, `pk_test_${'x'.repeat(40)}`);
    const failed = await sdkFailure(
      sdk.socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId: fx.portico.teamId }),
    );
    assert.equal(failed.status, 401);
  });

  test('a team outside the key’s team limit is 404', async () => {
    const other = await fx.portico.api('/v1/teams', { method: 'POST', json: { name: 'Other' } });
    const otherTeam = ((await other.json()) as any).data.id;
    const limited = await fx.portico.api('/v1/api-keys', {
      method: 'POST',
      json: { name: 'limited', scopes: ['social:write'], team_id: fx.portico.teamId },
    });
    const key = ((await limited.json()) as any).data.key;
    const failed = await sdkFailure(
      sdkFor(fx.portico, key).socialAccount.socialAccountConnect({
        requestBody: { type: 'TWITTER', teamId: otherTeam, redirectUrl: `${fx.app.url}/x` },
      }),
    );
    assert.equal(failed.status, 404);
  });

  test('the OpenAPI document has every /api/v1 endpoint under its own tag', async () => {
    const doc = (await (await fetch(`${fx.portico.url}/openapi.json`)).json()) as any;
    const hosted = Object.entries(doc.paths).filter(([path]) => path.startsWith('/api/v1'));
    const operations = hosted.flatMap(([, item]) => Object.values(item as Record<string, any>));
    assert.equal(
      operations.length,
      16,
      '9 social-account (create-portal-link among them), 5 team, organization, status',
    );
    for (const op of operations) assert.deepEqual(op.tags, ['Hosted-product API (/api/v1)']);
    assert.ok(doc.paths['/api/v1/social-account/connect'].post);
    assert.ok(doc.paths['/api/v1/social-account/create-portal-link'].post);
    assert.ok(doc.paths['/api/v1/team/'].get);
  });
});
