/**
 * Grants → targets → accounts: every target a grant can publish to is stored; targets gone from a new
 * listing are marked and their accounts stop being active; a reconnect revives the same account only for
 * the same platform user; the hosted product's one-account-per-platform policy with a selected target.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { relistTargets, selectTarget } from '../../src/accounts/channels.ts';
import { completeConnect } from '../../src/connect/complete.ts';
import { startConnect } from '../../src/connect/start.ts';
import { submitConsent } from '../support/consent.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { connectThroughSandbox, followCallback, pollConnect } from '../support/connect-flow.ts';
import { BACKENDS } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`grants, targets and accounts (${backend})`, () => {
    const fx = connectFixture(backend);
    const db = () => fx.portico.runtime.db;
    const team = () =>
      db().selectFrom('teams').selectAll().where('id', '=', fx.portico.teamId).executeTakeFirstOrThrow();

    async function credentials(accountId: string) {
      const res = await fx.portico.api(`/v1/social/accounts/${accountId}/credentials`);
      return { status: res.status, body: (await res.json()) as any };
    }

    test('issue 9 regression: a LinkedIn member who reconnects without organization permissions loses the organization accounts', async () => {
      const ada = await fx.user('linkedin', 'Ada Org');
      const first = await pollConnect(
        fx.portico,
        (await connectThroughSandbox(fx.portico, 'linkedin', { user: ada.id })).link.state_token,
      );
      const orgs = first.accounts.filter((a: any) => a.target_type === 'organization');
      assert.ok(orgs.length >= 1, 'the member administers organizations');
      const member = first.accounts.find((a: any) => a.target_type === 'profile');

      const again = await pollConnect(
        fx.portico,
        (
          await connectThroughSandbox(fx.portico, 'linkedin', {
            user: ada.id,
            uncheck: ['rw_organization_admin'],
          })
        ).link.state_token,
      );
      assert.deepEqual(
        again.accounts.map((a: any) => a.id),
        [member.id],
        'the member is the same account',
      );
      for (const org of orgs) {
        const shown = (await (await fx.portico.api(`/v1/social/accounts/${org.id}`)).json()) as any;
        assert.equal(shown.data.status, 'unavailable', 'the organization is no longer covered by the grant');
        const creds = await credentials(org.id);
        assert.equal(creds.status, 409, 'no token is handed out for it');
        assert.equal(creds.body.error.code, 'REAUTH_REQUIRED');
      }
      assert.equal((await credentials(member.id)).status, 200, 'the member still works');
      const targets = await db()
        .selectFrom('targets')
        .select(['external_id', 'status'])
        .where(
          'grant_id',
          '=',
          (
            await db()
              .selectFrom('accounts')
              .select('grant_id')
              .where('id', '=', member.id)
              .executeTakeFirstOrThrow()
          ).grant_id,
        )
        .execute();
      assert.deepEqual(
        targets
          .filter((t) => t.status === 'gone')
          .map((t) => t.external_id)
          .sort(),
        orgs.map((o: any) => o.platform_account_id).sort(),
        'the targets are kept, marked gone',
      );

      const back = await pollConnect(
        fx.portico,
        (await connectThroughSandbox(fx.portico, 'linkedin', { user: ada.id })).link.state_token,
      );
      assert.deepEqual(
        back.accounts.map((a: any) => a.id).sort(),
        first.accounts.map((a: any) => a.id).sort(),
        'granting the permission again revives the same accounts',
      );
      for (const org of orgs) assert.equal((await credentials(org.id)).status, 200);
    });

    test('a Facebook Page removed from the user’s Pages stops being active; its Page token is forgotten', async () => {
      const meta = await fx.user('facebook', 'Page Owner');
      const first = await pollConnect(
        fx.portico,
        (await connectThroughSandbox(fx.portico, 'facebook', { user: meta.id })).link.state_token,
      );
      assert.ok(first.accounts.length >= 1);
      await fetch(`${fx.portico.url}/sandbox/_control/users/${meta.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scenario: { targets: 'none' } }),
      });
      const grantId = (
        await db()
          .selectFrom('accounts')
          .select('grant_id')
          .where('id', '=', first.accounts[0].id)
          .executeTakeFirstOrThrow()
      ).grant_id;
      const relisted = await relistTargets(fx.portico.runtime, grantId);
      assert.ok(relisted.ok);
      assert.deepEqual(relisted.value, [], 'the platform lists no Page now');
      for (const account of first.accounts) {
        assert.equal((await credentials(account.id)).status, 409);
      }
      const tokens = await db()
        .selectFrom('targets')
        .select('access_token_enc')
        .where('grant_id', '=', grantId)
        .execute();
      assert.ok(tokens.every((t) => t.access_token_enc === null));
    });

    test('a reconnect by the same platform user brings the same account back; nothing is duplicated', async () => {
      const grace = await fx.user('twitter', 'Grace Reconnect');
      const first = await pollConnect(
        fx.portico,
        (
          await connectThroughSandbox(fx.portico, 'twitter', {
            user: grace.id,
            body: { metadata: { customer_id: '7' } },
          })
        ).link.state_token,
      );
      const account = first.accounts[0];
      await db()
        .updateTable('accounts')
        .set({ status: 'needs_reauth' })
        .where('id', '=', account.id)
        .execute();
      const started = await startConnect(fx.portico.runtime, {
        team: await team(),
        platform: 'twitter',
        surface: 'headless',
        reconnectAccountId: account.id,
      });
      assert.ok(started.ok);
      const callback = await submitConsent(started.value.connectUrl, { user: grace.id });
      await followCallback(callback);
      const polled = await pollConnect(fx.portico, started.value.stateToken);
      assert.equal(polled.status, 'connected');
      assert.deepEqual(
        polled.accounts.map((a: any) => a.id),
        [account.id],
      );
      assert.equal(polled.accounts[0].status, 'active');
      assert.deepEqual(polled.accounts[0].metadata, { customer_id: '7' }, 'metadata is kept');
      const all = await db()
        .selectFrom('accounts')
        .select('id')
        .where('external_id', '=', account.platform_account_id)
        .execute();
      assert.equal(all.length, 1);
    });

    test('a reconnect authorized by another platform user is refused and the old account is left untouched', async () => {
      const alan = await fx.user('twitter', 'Alan Original');
      const mallory = await fx.user('twitter', 'Mallory Other');
      const first = await pollConnect(
        fx.portico,
        (await connectThroughSandbox(fx.portico, 'twitter', { user: alan.id })).link.state_token,
      );
      const account = first.accounts[0];
      await db()
        .updateTable('accounts')
        .set({ status: 'needs_reauth' })
        .where('id', '=', account.id)
        .execute();
      const before = await db()
        .selectFrom('grants')
        .selectAll()
        .where('subject', '=', account.platform_account_id)
        .executeTakeFirstOrThrow();

      const started = await startConnect(fx.portico.runtime, {
        team: await team(),
        platform: 'twitter',
        surface: 'headless',
        returnUrl: `${fx.app.url}/back`,
        reconnectAccountId: account.id,
      });
      assert.ok(started.ok);
      const callback = await submitConsent(started.value.connectUrl, { user: mallory.id });
      const { location } = await followCallback(callback);
      assert.equal(location?.searchParams.get('error'), 'account_mismatch');
      const polled = await pollConnect(fx.portico, started.value.stateToken);
      assert.equal(polled.status, 'failed');
      assert.equal(polled.error.code, 'account_mismatch');

      const after = await db()
        .selectFrom('grants')
        .selectAll()
        .where('id', '=', before.id)
        .executeTakeFirstOrThrow();
      assert.equal(after.access_token_enc, before.access_token_enc, 'the old grant keeps its tokens');
      const shown = (await (await fx.portico.api(`/v1/social/accounts/${account.id}`)).json()) as any;
      assert.equal(shown.data.status, 'needs_reauth');
      const mallorys = await db()
        .selectFrom('accounts')
        .select('id')
        .where('display_name', '=', 'Mallory Other')
        .execute();
      assert.equal(mallorys.length, 0, 'the other user became no account');
    });

    test('a reconnect names an account of the team and platform', async () => {
      const started = await startConnect(fx.portico.runtime, {
        team: await team(),
        platform: 'facebook',
        surface: 'headless',
        reconnectAccountId: 'acc_00000000000000000000000000',
      });
      assert.ok(!started.ok);
      assert.equal(started.failure.code, 'NOT_FOUND');
    });

    test('the hosted policy keeps one account per platform; nothing is selected until a Page is chosen', async () => {
      const owner = await fx.user('facebook', 'Hosted Owner');
      async function portalConnect() {
        const started = await startConnect(fx.portico.runtime, {
          team: await team(),
          platform: 'facebook',
          surface: 'portal',
        });
        assert.ok(started.ok);
        const callback = await submitConsent(started.value.connectUrl, { user: owner.id });
        const outcome = await completeConnect(fx.portico.runtime, 'facebook', new URL(callback).searchParams);
        assert.ok(outcome.ok, !outcome.ok ? outcome.code : '');
        return outcome.accounts;
      }
      const [account] = await portalConnect();
      assert.ok(account);
      assert.equal(account.platform_account_id, '', 'nothing selected');
      assert.equal(account.display_name, 'Hosted Owner', 'it shows the user who authorized');
      const row = await db()
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.activation, 'single');
      const channels = await db()
        .selectFrom('targets')
        .selectAll()
        .where('grant_id', '=', row.grant_id)
        .execute();
      assert.ok(channels.length >= 1, 'the Pages are stored as targets');

      const picked = await selectTarget(fx.portico.runtime, row, channels[0]!.external_id);
      assert.ok(picked.ok);
      assert.equal(picked.value.external_id, channels[0]!.external_id);
      assert.equal(picked.value.display_name, channels[0]!.display_name);
      const creds = await credentials(account.id);
      assert.equal(creds.status, 200, 'the selected Page’s token is handed out');

      const [again] = await portalConnect();
      assert.equal(again!.id, account.id, 'connecting again keeps the one account');
      assert.equal(again!.platform_account_id, channels[0]!.external_id, 'and its selection');

      const unknown = await selectTarget(fx.portico.runtime, picked.value, 'no-such-page');
      assert.ok(!unknown.ok);
      assert.equal(unknown.failure.code, 'NOT_FOUND');
      const cleared = await selectTarget(fx.portico.runtime, picked.value, null);
      assert.ok(cleared.ok);
      assert.equal(cleared.value.external_id, null);
    });

    test('a single-target platform has its target selected at once under the hosted policy', async () => {
      const started = await startConnect(fx.portico.runtime, {
        team: await team(),
        platform: 'twitter',
        surface: 'portal',
      });
      assert.ok(started.ok);
      const callback = await submitConsent(started.value.connectUrl);
      const outcome = await completeConnect(fx.portico.runtime, 'twitter', new URL(callback).searchParams);
      assert.ok(outcome.ok);
      assert.ok(outcome.accounts[0]!.platform_account_id, 'the profile is selected');
      assert.equal((await credentials(outcome.accounts[0]!.id)).status, 200);
    });
  });
}
