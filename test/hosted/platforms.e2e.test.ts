/**
 * The hosted product's connect per platform, through its SDK: LinkedIn (the member and organizations as
 * channels), Mastodon (`serverUrl`), TikTok; and connecting a type the team already has, by the same
 * platform user (same account, selection kept) or by another (the old account is disconnected).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectFixture } from '../support/connect-fixture.ts';
import { flagsOf, hostedConnect, sdkFailure, sdkFor } from './support.ts';

describe('hosted API: LinkedIn, Mastodon, TikTok, and connecting a type again', () => {
  const fx = connectFixture('pglite');

  async function newTeam(name: string): Promise<string> {
    const res = await fx.portico.api('/v1/teams', { method: 'POST', json: { name } });
    return ((await res.json()) as any).data.id;
  }

  test('LinkedIn: the member and the organizations are channels; selecting an organization makes it usable on /v1', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('LinkedIn');
    const reid = await fx.user('linkedin', 'Reid');
    const { location } = await hostedConnect(
      sdk,
      fx.portico,
      { type: 'LINKEDIN', teamId, redirectUrl: `${fx.app.url}/li` },
      { user: reid.id },
    );
    assert.deepEqual(flagsOf(location), { success: 'linkedin-callback' });
    const account = await sdk.socialAccount.socialAccountGetByType({ type: 'LINKEDIN', teamId });
    assert.equal(account.externalId, null, 'LinkedIn needs a selection');
    const ids = (account.channels ?? []).map((c) => c.id);
    assert.ok(
      ids.some((id) => id.startsWith('urn:li:person:')),
      `the member: ${ids}`,
    );
    const org = ids.find((id) => id.startsWith('urn:li:organization:'));
    assert.ok(org, `an organization: ${ids}`);
    const set = await sdk.socialAccount.socialAccountSetChannel({
      requestBody: { type: 'LINKEDIN', teamId, channelId: org },
    });
    assert.equal(set.externalId, org);
    const res = await fx.portico.api(`/v1/social/accounts/${account.id}?team_id=${teamId}`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as any).data.platform_account_id, org);
  });

  test('Mastodon: serverUrl names the server; mastodonServerId says which; without it, 400 naming serverUrl', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('Mastodon');
    const eugen = await fx.user('mastodon', 'Eugen');
    const { location } = await hostedConnect(
      sdk,
      fx.portico,
      { type: 'MASTODON', teamId, redirectUrl: `${fx.app.url}/m`, serverUrl: 'https://mastodon.social' },
      { user: eugen.id },
    );
    assert.deepEqual(flagsOf(location), { success: 'mastodon-callback' });
    const account = await sdk.socialAccount.socialAccountGetByType({ type: 'MASTODON', teamId });
    assert.equal(account.mastodonServerId, 'mastodon.social');
    assert.ok(account.externalId, 'one target, selected at once');
    const failed = await sdkFailure(
      sdk.socialAccount.socialAccountConnect({
        requestBody: { type: 'MASTODON', teamId, redirectUrl: `${fx.app.url}/m` },
      }),
    );
    assert.equal(failed.status, 400);
    assert.deepEqual(
      failed.body.issues.map((i: any) => i.path.join('.')),
      ['serverUrl'],
    );
  });

  test('TikTok: connected with its one target selected; options it has no use for are accepted', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('TikTok');
    const user = await fx.user('tiktok', 'Tok');
    const { url } = await sdk.socialAccount.socialAccountConnect({
      requestBody: {
        type: 'TIKTOK',
        teamId,
        redirectUrl: `${fx.app.url}/t`,
        disableAutoLogin: true,
        tiktokForceLogin: true,
        serverUrl: 'https://ignored.example',
      },
    });
    assert.ok(url);
    await hostedConnect(
      sdk,
      fx.portico,
      { type: 'TIKTOK', teamId, redirectUrl: `${fx.app.url}/t` },
      { user: user.id },
    );
    const account = await sdk.socialAccount.socialAccountGetByType({ type: 'TIKTOK', teamId });
    assert.equal(account.userDisplayName, 'Tok');
    assert.ok(account.externalId);
  });

  test('connecting again: the same user keeps the account and its selection; another user replaces it', async () => {
    const sdk = sdkFor(fx.portico);
    const teamId = await newTeam('Again');
    const mark = await fx.user('facebook', 'Mark Again');
    const input = { type: 'FACEBOOK' as const, teamId, redirectUrl: `${fx.app.url}/fb` };
    await hostedConnect(sdk, fx.portico, input, { user: mark.id });
    const first = await sdk.socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId });
    const page = first.channels![0]!.id;
    await sdk.socialAccount.socialAccountSetChannel({
      requestBody: { type: 'FACEBOOK', teamId, channelId: page },
    });

    await hostedConnect(sdk, fx.portico, input, { user: mark.id });
    const again = await sdk.socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId });
    assert.equal(again.id, first.id);
    assert.equal(again.externalId, page, 'the selection is kept while the Page is still there');

    const other = await fx.user('facebook', 'Someone Else');
    await hostedConnect(sdk, fx.portico, input, { user: other.id });
    const replaced = await sdk.socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId });
    assert.notEqual(replaced.id, first.id);
    assert.equal(replaced.userDisplayName, 'Someone Else');
    assert.equal(replaced.externalId, null);
    const { db } = fx.portico.runtime;
    const events = await db
      .selectFrom('events')
      .selectAll()
      .where('team_id', '=', teamId)
      .where('type', '=', 'account.disconnected')
      .execute();
    assert.deepEqual(
      events.map((e) => (e.payload as any).account.id),
      [first.id],
    );
    const grants = await db
      .selectFrom('grants')
      .select('subject_name')
      .where('team_id', '=', teamId)
      .execute();
    assert.deepEqual(
      grants.map((g) => g.subject_name),
      ['Someone Else'],
      'the old authorization and its tokens are gone',
    );
    const old = await fx.portico.api(`/v1/social/accounts/${first.id}?team_id=${teamId}`);
    assert.equal(old.status, 404);
  });
});
