/**
 * The hosted product's teams, organization and status endpoints through its SDK: the same teams as
 * `/v1/teams`, with the team's social accounts and their channels.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectFixture } from '../support/connect-fixture.ts';
import { hostedConnect, sdkFailure, sdkFor } from './support.ts';

describe('hosted API: teams, organization and status, through the SDK', () => {
  const fx = connectFixture('pglite');

  test('create, read, rename, list with search and paging, delete', async () => {
    const sdk = sdkFor(fx.portico);
    const created = await sdk.team.teamCreateTeam({
      requestBody: { name: 'Acme Marketing', avatarUrl: 'https://app.example/acme.png' },
    });
    assert.match(created.id, /^team_/);
    assert.equal(created.name, 'Acme Marketing');
    assert.equal(created.avatarUrl, 'https://app.example/acme.png');
    assert.equal(created.deletedAt, null);
    assert.equal(created.createdById, '', 'Portico has no users: empty, never invented');

    const onV1 = await fx.portico.api(`/v1/teams/${created.id}`);
    assert.equal(onV1.status, 200, 'the same team on /v1');

    const read = await sdk.team.teamGetTeam({ id: created.id });
    assert.equal(read.name, 'Acme Marketing');
    assert.equal(read.organization.id, read.organizationId);
    assert.deepEqual(read.socialAccounts, []);

    const renamed = await sdk.team.teamUpdateTeam({
      id: created.id,
      requestBody: { name: 'Acme Social', avatarUrl: null },
    });
    assert.equal(renamed.name, 'Acme Social');
    assert.equal(renamed.avatarUrl, null);

    const searched = await sdk.team.teamGetList({ search: 'acme' });
    assert.deepEqual(
      searched.items.map((t) => t.id),
      [created.id],
    );
    assert.equal(searched.total, 1);
    const all = await sdk.team.teamGetList({});
    assert.ok(all.total >= 2);
    const second = await sdk.team.teamGetList({ offset: 1, limit: 1 });
    assert.equal(second.items.length, 1);
    assert.equal(second.items[0]!.id, all.items[1]!.id);
    assert.equal(second.total, all.total);

    const deleted = await sdk.team.teamDeleteTeam({ id: created.id });
    assert.equal(deleted.id, created.id);
    const gone = await sdkFailure(sdk.team.teamGetTeam({ id: created.id }));
    assert.equal(gone.status, 404);
  });

  test('a team carries its social accounts with their channels', async () => {
    const sdk = sdkFor(fx.portico);
    const { id: teamId } = await sdk.team.teamCreateTeam({ requestBody: { name: 'With accounts' } });
    const mark = await fx.user('facebook', 'Mark Team');
    await hostedConnect(
      sdk,
      fx.portico,
      { type: 'FACEBOOK', teamId, redirectUrl: `${fx.app.url}/fb` },
      { user: mark.id },
    );
    const team = await sdk.team.teamGetTeam({ id: teamId });
    assert.equal(team.socialAccounts.length, 1);
    const [account] = team.socialAccounts as any[];
    assert.equal(account.type, 'FACEBOOK');
    assert.ok(account.channels.length >= 2);
  });

  test('a team-limited key sees only its team; another is 404', async () => {
    const sdk = sdkFor(fx.portico);
    const { id: other } = await sdk.team.teamCreateTeam({ requestBody: { name: 'Elsewhere' } });
    const res = await fx.portico.api('/v1/api-keys', {
      method: 'POST',
      json: { name: 'limited', scopes: ['social:read'], team_id: fx.portico.teamId },
    });
    const limited = sdkFor(fx.portico, ((await res.json()) as any).data.key);
    const list = await limited.team.teamGetList({});
    assert.deepEqual(
      list.items.map((t) => t.id),
      [fx.portico.teamId],
    );
    assert.equal((await sdkFailure(limited.team.teamGetTeam({ id: other }))).status, 404);
  });

  test('the organization and the status of every type', async () => {
    const sdk = sdkFor(fx.portico);
    const org = await sdk.organization.organizationGetOrganization();
    assert.match(org.id, /^org_/);
    assert.equal(org.deletedAt, null);
    assert.equal(org.dailyPostLimit, null, 'settings Portico has no meaning for are null');
    const status = await sdk.app.appGetHealth();
    assert.equal(status.status, 'ok');
    assert.equal(status.platforms.TWITTER.status, 'operational', 'the sandbox has an app for X');
    assert.equal(status.platforms.MASTODON.status, 'operational');
    assert.equal(status.platforms.PINTEREST.status, 'outage');
    assert.match(status.platforms.PINTEREST.note, /not served/i);
  });
});
