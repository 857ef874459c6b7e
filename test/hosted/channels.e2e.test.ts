/**
 * The hosted product's channel selection and disconnect, through its SDK, and how the hosted and headless
 * views of one store meet: a selected channel is a `/v1` account with the same id; a target is activated
 * once, whichever surface activated it first.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectFixture } from '../support/connect-fixture.ts';
import { connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';
import { flagsOf, hostedConnect, sdkFailure, sdkFor } from './support.ts';

describe('hosted API: channels, disconnect, and the two views of one store', () => {
  const fx = connectFixture('pglite');

  async function newTeam(name: string): Promise<string> {
    const res = await fx.portico.api('/v1/teams', { method: 'POST', json: { name } });
    assert.equal(res.status, 201);
    return ((await res.json()) as any).data.id;
  }

  async function v1Accounts(teamId: string, platform: string): Promise<any[]> {
    const res = await fx.portico.api(`/v1/social/accounts?team_id=${teamId}&platform=${platform}`);
    assert.equal(res.status, 200);
    return ((await res.json()) as any).data;
  }

  async function connectFacebook(teamId: string, user: string) {
    const sdk = sdkFor(fx.portico);
    const { location } = await hostedConnect(
      sdk,
      fx.portico,
      { type: 'FACEBOOK', teamId, redirectUrl: `${fx.app.url}/fb` },
      { user },
    );
    assert.deepEqual(flagsOf(location), { success: 'facebook-callback' });
    return sdk.socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId });
  }

  test('Facebook: set-channel selects a Page, usable on /v1 with the same id; unset clears it, the connection kept', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('Pages');
    const mark = await fx.user('facebook', 'Mark');
    const account = await connectFacebook(teamId, mark.id);
    const [page] = account.channels ?? [];
    assert.ok(page);

    const set = await sdk.socialAccount.socialAccountSetChannel({
      requestBody: { type: 'FACEBOOK', teamId, channelId: page.id },
    });
    assert.equal(set.id, account.id);
    assert.equal(set.externalId, page.id);
    assert.equal(set.displayName, page.name);
    const onV1 = await v1Accounts(teamId, 'facebook');
    assert.deepEqual(
      onV1.map((a) => [a.id, a.platform_account_id]),
      [[account.id, page.id]],
      'the selected Page is the one usable account on /v1, same id',
    );
    const creds = await fx.portico.api(`/v1/social/accounts/${account.id}/credentials?team_id=${teamId}`);
    assert.equal(creds.status, 200);

    const unset = await sdk.socialAccount.socialAccountUnsetChannel({
      requestBody: { type: 'FACEBOOK', teamId },
    });
    assert.equal(unset.externalId, null);
    assert.equal(
      unset.channels?.length,
      account.channels?.length,
      'the connection and its channels are kept',
    );
    assert.deepEqual(await v1Accounts(teamId, 'facebook'), [], 'nothing selected, nothing usable on /v1');
  });

  test('set-channel with an id not among the channels is 400 naming channelId, and nothing changes', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('Unknown channel');
    const mark = await fx.user('facebook', 'Mark Two');
    const account = await connectFacebook(teamId, mark.id);
    const page = account.channels![0]!;
    await sdk.socialAccount.socialAccountSetChannel({
      requestBody: { type: 'FACEBOOK', teamId, channelId: page.id },
    });
    const failed = await sdkFailure(
      sdk.socialAccount.socialAccountSetChannel({
        requestBody: { type: 'FACEBOOK', teamId, channelId: 'no-such-page' },
      }),
    );
    assert.equal(failed.status, 400);
    assert.deepEqual(
      failed.body.issues.map((i: any) => i.path.join('.')),
      ['channelId'],
    );
    const after = await sdk.socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId });
    assert.equal(after.externalId, page.id);
  });

  test('refresh-channels: a selected Page the platform no longer lists is cleared, and said so', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('Refresh');
    const owner = await fx.user('facebook', 'Page Owner');
    const account = await connectFacebook(teamId, owner.id);
    const page = account.channels![0]!;
    await sdk.socialAccount.socialAccountSetChannel({
      requestBody: { type: 'FACEBOOK', teamId, channelId: page.id },
    });

    const same = await sdk.socialAccount.socialAccountRefreshChannels({
      requestBody: { type: 'FACEBOOK', teamId },
    });
    assert.equal(same.externalId, page.id, 'a Page still listed stays selected');
    assert.equal((same as any).clearedChannelId, undefined);

    await fetch(`${fx.sandbox}/_control/users/${owner.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario: { targets: 'none' } }),
    });
    const refreshed = await sdk.socialAccount.socialAccountRefreshChannels({
      requestBody: { type: 'FACEBOOK', teamId },
    });
    assert.equal(refreshed.externalId, null);
    assert.deepEqual(refreshed.channels, []);
    assert.equal((refreshed as any).clearedChannelId, page.id);
    assert.deepEqual(await v1Accounts(teamId, 'facebook'), []);
  });

  test('disconnect returns the account as it was; afterwards it is gone from both views', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('Disconnect');
    const jack = await fx.user('twitter', 'Jack D');
    await hostedConnect(
      sdk,
      fx.portico,
      { type: 'TWITTER', teamId, redirectUrl: `${fx.app.url}/x` },
      { user: jack.id },
    );
    const account = await sdk.socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId });
    const gone = await sdk.socialAccount.socialAccountDisconnect({
      requestBody: { type: 'TWITTER', teamId },
    });
    assert.equal(gone.id, account.id);
    assert.equal(gone.externalId, account.externalId);
    const failed = await sdkFailure(sdk.socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId }));
    assert.equal(failed.status, 404);
    assert.deepEqual(await v1Accounts(teamId, 'twitter'), []);
    const again = await sdkFailure(
      sdk.socialAccount.socialAccountDisconnect({ requestBody: { type: 'TWITTER', teamId } }),
    );
    assert.equal(again.status, 404);
  });

  test('a Page that is already a headless account cannot be selected too: 409 CHANNEL_IN_USE, nothing changes', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('Headless first');
    const mark = await fx.user('facebook', 'Mark Three');
    const headless = await pollConnect(
      fx.portico,
      (await connectThroughSandbox(fx.portico, 'facebook', { user: mark.id, body: { team_id: teamId } })).link
        .state_token,
    );
    const account = await connectFacebook(teamId, mark.id);
    const page = headless.accounts[0];
    const failed = await sdkFailure(
      sdk.socialAccount.socialAccountSetChannel({
        requestBody: { type: 'FACEBOOK', teamId, channelId: page.platform_account_id },
      }),
    );
    assert.equal(failed.status, 409);
    assert.equal(failed.body.error, 'CHANNEL_IN_USE');
    const after = await sdk.socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId });
    assert.equal(after.externalId, null);
    assert.equal(after.id, account.id);
    const onV1 = await v1Accounts(teamId, 'facebook');
    assert.deepEqual(
      onV1.map((a) => a.id).sort(),
      headless.accounts.map((a: any) => a.id).sort(),
      'the headless accounts are untouched',
    );
  });

  test('a headless connect of a Page the hosted account selected reports that account, never a second one', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('Hosted first');
    const mark = await fx.user('facebook', 'Mark Four');
    const account = await connectFacebook(teamId, mark.id);
    const page = account.channels![0]!;
    await sdk.socialAccount.socialAccountSetChannel({
      requestBody: { type: 'FACEBOOK', teamId, channelId: page.id },
    });
    const headless = await pollConnect(
      fx.portico,
      (await connectThroughSandbox(fx.portico, 'facebook', { user: mark.id, body: { team_id: teamId } })).link
        .state_token,
    );
    assert.equal(headless.accounts.length, account.channels!.length, 'one account per Page');
    const forPage = headless.accounts.filter((a: any) => a.platform_account_id === page.id);
    assert.deepEqual(
      forPage.map((a: any) => a.id),
      [account.id],
    );
    const onV1 = await v1Accounts(teamId, 'facebook');
    assert.equal(onV1.filter((a) => a.platform_account_id === page.id).length, 1);
    assert.equal(onV1.length, account.channels!.length);
  });

  test('X connected headless first: the hosted account waits with nothing selected and cannot take it', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('X both');
    const jack = await fx.user('twitter', 'Jack Both');
    await connectThroughSandbox(fx.portico, 'twitter', { user: jack.id, body: { team_id: teamId } });
    await hostedConnect(
      sdk,
      fx.portico,
      { type: 'TWITTER', teamId, redirectUrl: `${fx.app.url}/x` },
      { user: jack.id },
    );
    const account = await sdk.socialAccount.socialAccountGetByType({ type: 'TWITTER', teamId });
    assert.equal(account.externalId, null);
    assert.equal(account.channels?.length, 1);
    const failed = await sdkFailure(
      sdk.socialAccount.socialAccountSetChannel({
        requestBody: { type: 'TWITTER' as 'FACEBOOK', teamId, channelId: account.channels![0]!.id },
      }),
    );
    assert.equal(failed.status, 409);
    assert.equal((await v1Accounts(teamId, 'twitter')).length, 1);
  });
});
