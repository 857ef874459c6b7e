/**
 * Issue 12: signed, at-least-once webhook delivery from the outbox, over real HTTP to a receiver on
 * 127.0.0.1, on both backends. Signatures are checked with the Standard Webhooks reference library and,
 * for the hosted style, with the hosted product's SDK: never with Portico's own code. The clock the
 * retries run on is moved by the tests, not slept on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectAccounts } from '../accounts/support.ts';
import { hostedConnect, sdkFor } from '../hosted/support.ts';
import { connectThroughSandbox } from '../support/connect-flow.ts';
import { BACKENDS } from '../support/storage.ts';
import { claimDeliveries } from '../../src/webhooks/deliver.ts';
import {
  api,
  createEndpoint,
  deliveriesTo,
  until,
  verifyHeadless,
  verifyStandard,
  webhookFixture,
} from './support.ts';

const SECOND = 1000;

for (const backend of BACKENDS) {
  describe(`webhook delivery (${backend})`, () => {
    const hooks = webhookFixture(backend, {
      PORTICO_WEBHOOKS_TIMEOUT_MS: '1000',
      PORTICO_WEBHOOKS_RETRY_SCHEDULE: '1s,2s,4s,8s,16s,32s',
      PORTICO_WEBHOOKS_DISABLE_AFTER: '60s',
    });
    const { clock, fx } = hooks;

    /** An endpoint that only this test uses (its own path), deleted when the test ends. */
    async function endpointFor(
      t: { after: (fn: () => Promise<void>) => void },
      path: string,
      body: Record<string, unknown> = {},
    ) {
      const endpoint = await createEndpoint(fx, { url: `${hooks.receiver.url}${path}`, ...body });
      t.after(async () => {
        await api(fx, `/v1/webhooks/${endpoint.id}`, { method: 'DELETE' });
      });
      return endpoint;
    }

    test('connect, a refresh failure, pause and disconnect each arrive signed, verified by the Standard Webhooks library', async (t) => {
      const endpoint = await endpointFor(t, '/done');
      assert.match(endpoint.secret, /^whsec_/);
      const user = await fx.user('twitter', 'Hooked', { refreshRevoked: true, accessTtlSeconds: 60 });
      const [account] = await connectAccounts(fx, 'twitter', user.id, { metadata: { customer: '7' } });
      const token = (await api(fx, `/v1/social/accounts/${account.id}/credentials`)).body.data.access_token;
      clock.advance(120 * SECOND);
      assert.equal(
        (await api(fx, `/v1/social/accounts/${account.id}/credentials`)).body.error.code,
        'REAUTH_REQUIRED',
      );
      assert.equal(
        (await api(fx, `/v1/social/accounts/${account.id}/pause`, { method: 'POST' })).status,
        200,
      );
      assert.equal((await api(fx, `/v1/social/accounts/${account.id}`, { method: 'DELETE' })).status, 200);

      const expected = [
        'account.connected',
        'account.token_expired',
        'account.paused',
        'account.disconnected',
      ];
      const hits = await until('four deliveries', () => {
        const got = deliveriesTo(hooks.receiver, '/done');
        return got.length >= 4 && got;
      });
      assert.deepEqual(
        hits.map((h) => h.json.type),
        expected,
      );
      for (const hit of hits) {
        const verified = verifyStandard(endpoint.secret, hit) as any;
        assert.equal(verified.id, hit.headers['webhook-id']);
        assert.deepEqual(Object.keys(hit.json), ['id', 'type', 'created_at', 'team_id', 'data']);
        assert.equal(hit.json.team_id, fx.portico.teamId);
        assert.equal(hit.json.data.account.id, account.id);
        assert.equal(hit.json.data.account.metadata.customer, '7');
        assert.equal(hit.body, JSON.stringify(hit.json), 'compact JSON');
        assert.ok(!hit.body.includes(token), 'never a token');
        assert.equal(hit.headers['x-signature'], undefined, 'the hosted signature is for the hosted style');
        assert.ok(verifyHeadless(endpoint.secret, hit), 'the headless product’s signature verifies too');
      }
      assert.ok(
        hits[1]!.json.data.reconnect_url.startsWith(fx.portico.url),
        'token_expired carries a reconnect link',
      );
      assert.throws(
        () => verifyStandard(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, hits[0]!),
        'another secret does not verify',
      );
      const log = await api(fx, `/v1/webhooks/${endpoint.id}/deliveries`);
      assert.deepEqual(
        log.body.data.map((d: any) => [d.event_type, d.status, d.attempts, d.response_status]),
        [...expected].reverse().map((type) => [type, 'delivered', 1, 204]),
        'the delivery log, newest first',
      );
    });

    test('the event filter, connect.failed with the caller’s metadata, and a test ping', async (t) => {
      const endpoint = await endpointFor(t, '/filtered', { events: ['connect.failed'] });
      await connectThroughSandbox(fx.portico, 'twitter', {
        decision: 'deny',
        body: { metadata: { who: 'denier' } },
      });
      await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Unfiltered')).id);
      const ping = await api(fx, `/v1/webhooks/${endpoint.id}/test`, { method: 'POST' });
      assert.equal(ping.status, 202);
      const hits = await until('two deliveries', () => {
        const got = deliveriesTo(hooks.receiver, '/filtered');
        return got.length >= 2 && got;
      });
      assert.deepEqual(
        hits.map((h) => h.json.type),
        ['connect.failed', 'ping'],
        'only the filtered type, and the ping that ignores the filter',
      );
      assert.equal(hits[0]!.json.data.error.code, 'access_denied');
      assert.deepEqual(hits[0]!.json.data.metadata, { who: 'denier' });
      assert.equal(hits[1]!.json.data.webhook_id, endpoint.id);
      assert.equal(hits[1]!.json.id, ping.body.data.event_id);
      for (const hit of hits) verifyStandard(endpoint.secret, hit);
    });

    test('hosted style: the hosted product’s events and objects, verified by its SDK’s constructEvent', async (t) => {
      const endpoint = await endpointFor(t, '/hosted', { payload_style: 'hosted', all_teams: true });
      assert.equal(endpoint.team_id, null);
      const sdk = sdkFor(fx.portico);
      const team = await sdk.team.teamCreateTeam({ requestBody: { name: 'Hooked team' } });
      const mark = await fx.user('facebook', 'Hooked Mark');
      await hostedConnect(
        sdk,
        fx.portico,
        { type: 'FACEBOOK', teamId: team.id, redirectUrl: `${fx.app.url}/fb` },
        { user: mark.id },
      );
      const social = await sdk.socialAccount.socialAccountGetByType({ type: 'FACEBOOK', teamId: team.id });
      const channel = social.channels![0]!;
      await sdk.socialAccount.socialAccountSetChannel({
        requestBody: { type: 'FACEBOOK', teamId: team.id, channelId: channel.id },
      });
      // A headless connect in the same team is not that product's object: nothing for this endpoint.
      await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Headless')).id, { team_id: team.id });
      await sdk.socialAccount.socialAccountDisconnect({ requestBody: { type: 'FACEBOOK', teamId: team.id } });
      await sdk.team.teamDeleteTeam({ id: team.id });

      const expected = [
        'team.created',
        'social-account.created',
        'social-account.updated',
        'social-account.deleted',
        'team.deleted',
      ];
      const hits = await until('five hosted deliveries', () => {
        const got = deliveriesTo(hooks.receiver, '/hosted');
        return got.length >= 5 && got;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const types = deliveriesTo(hooks.receiver, '/hosted').map((h) => h.json.type);
      assert.deepEqual([...types].sort(), [...expected].sort());
      // In order per object: the team's events, and the social account's.
      const order = (prefix: string) => types.filter((type) => type.startsWith(prefix));
      assert.deepEqual(order('team.'), ['team.created', 'team.deleted']);
      assert.deepEqual(order('social-account.'), [
        'social-account.created',
        'social-account.updated',
        'social-account.deleted',
      ]);
      for (const hit of hits) {
        const event = sdk.webhooks.constructEvent(
          hit.body,
          hit.headers['x-signature']!,
          endpoint.secret,
        ) as any;
        assert.deepEqual(Object.keys(event), ['type', 'data']);
        assert.match(hit.headers['x-signature']!, /^[0-9a-f]{64}$/);
        verifyStandard(endpoint.secret, hit);
      }
      const of = (type: string) => hits.find((h) => h.json.type === type)!.json.data;
      const [created, updated, deleted, teamDeleted] = [
        of('team.created'),
        of('social-account.updated'),
        of('social-account.deleted'),
        of('team.deleted'),
      ];
      assert.equal(created.id, team.id);
      assert.equal(updated.id, social.id);
      assert.equal(updated.type, 'FACEBOOK');
      assert.equal(updated.externalId, channel.id, 'the selected channel');
      assert.equal(deleted.id, social.id);
      assert.ok(deleted.deletedAt);
      assert.equal(teamDeleted.id, team.id);
      assert.ok(teamDeleted.deletedAt);
      assert.throws(() =>
        sdk.webhooks.constructEvent(hits[0]!.body, hits[0]!.headers['x-signature']!, 'whsec_other'),
      );
    });

    test('a slow receiver and a 500 are retried; a redirect is not followed; Retry-After is honoured', async (t) => {
      const endpoint = await endpointFor(t, '/flaky', { events: ['account.connected'] });
      let calls = 0;
      hooks.receiver.answer = (hit) => {
        if (hit.path === '/moved') return { status: 204 };
        if (hit.path !== '/flaky') return { status: 204 };
        calls++;
        if (calls === 1) return { status: 200, delayMs: 3000 };
        if (calls === 2) return { status: 500 };
        if (calls === 3) return { status: 302, headers: { location: `${hooks.receiver.url}/moved` } };
        if (calls === 4) return { status: 503, headers: { 'retry-after': '20' } };
        if (calls === 5) return { status: 429, headers: { 'retry-after': '99999999' } };
        return { status: 204 };
      };
      t.after(() => {
        hooks.receiver.answer = () => ({ status: 204 });
      });
      await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Flaky')).id);
      const log = async () => (await api(fx, `/v1/webhooks/${endpoint.id}/deliveries`)).body.data[0];
      const attempts = async (n: number) => {
        for (let i = 0; i < 200; i++) {
          if ((await log()).attempts >= n) return log();
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        assert.fail(`attempt ${n} never happened`);
      };
      assert.match((await attempts(1)).error, /no answer within 1000 ms/);
      clock.advance(2 * SECOND);
      assert.equal((await attempts(2)).response_status, 500);
      clock.advance(3 * SECOND);
      const redirected = await attempts(3);
      assert.equal(redirected.response_status, 302);
      assert.match(redirected.error, /redirects are not followed/);
      assert.equal(deliveriesTo(hooks.receiver, '/moved').length, 0, 'the redirect was not followed');
      clock.advance(6 * SECOND);
      const limited = await attempts(4);
      assert.equal(limited.response_status, 503);
      assert.ok(
        Date.parse(limited.next_attempt_at) - clock.now().getTime() >= 20 * SECOND,
        'the next attempt waits for Retry-After (20 s), longer than the schedule’s step (8 s)',
      );
      clock.advance(21 * SECOND);
      const parked = await attempts(5);
      assert.equal(parked.response_status, 429);
      assert.ok(
        Date.parse(parked.next_attempt_at) - clock.now().getTime() <= 32 * SECOND,
        'a Retry-After of years waits no longer than the schedule’s longest step (32 s)',
      );
      clock.advance(33 * SECOND);
      const delivered = await attempts(6);
      assert.equal(delivered.status, 'delivered');
      assert.equal(delivered.response_status, 204);
    });

    test('secret rotation: both secrets sign for 24 hours, then only the new one', async (t) => {
      // Pings only (they ignore the filter): the refresh worker's events after the day passes are not this test's.
      const endpoint = await endpointFor(t, '/rotate', { events: ['ping'] });
      const rotated = await api(fx, `/v1/webhooks/${endpoint.id}/rotate-secret`, { method: 'POST' });
      assert.equal(rotated.status, 200);
      const fresh = rotated.body.data.secret as string;
      assert.notEqual(fresh, endpoint.secret);
      assert.ok(rotated.body.data.previous_secret_expires_at);
      assert.equal((await api(fx, `/v1/webhooks/${endpoint.id}/test`, { method: 'POST' })).status, 202);
      const during = await until('a delivery', () => deliveriesTo(hooks.receiver, '/rotate')[0]);
      assert.equal(during.headers['webhook-signature']!.split(' ').length, 2);
      verifyStandard(endpoint.secret, during);
      verifyStandard(fresh, during);
      assert.ok(verifyHeadless(endpoint.secret, during) && verifyHeadless(fresh, during));

      clock.advance(24 * 3600 * SECOND + SECOND);
      assert.equal((await api(fx, `/v1/webhooks/${endpoint.id}/test`, { method: 'POST' })).status, 202);
      const later = await until('a second delivery', () => deliveriesTo(hooks.receiver, '/rotate')[1]);
      verifyStandard(fresh, later);
      assert.throws(() => verifyStandard(endpoint.secret, later), 'the old secret no longer signs');
      assert.ok(verifyHeadless(fresh, later) && !verifyHeadless(endpoint.secret, later));
      assert.equal(
        (await api(fx, `/v1/webhooks/${endpoint.id}`)).body.data.previous_secret_expires_at !== undefined,
        true,
      );
    });

    test('an endpoint failing for too long is disabled with webhook.disabled; re-enabled, it gets what waited; replay sends again', async (t) => {
      const watcher = await endpointFor(t, '/watcher', { events: ['webhook.disabled'] });
      const endpoint = await endpointFor(t, '/down');
      hooks.receiver.answer = (hit) => (hit.path === '/down' ? { status: 500 } : { status: 204 });
      t.after(() => {
        hooks.receiver.answer = () => ({ status: 204 });
      });
      const [account] = await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Disabled')).id);
      await until('a first failed attempt', () => deliveriesTo(hooks.receiver, '/down').length >= 1);
      for (let i = 0; i < 10; i++) {
        const shown = (await api(fx, `/v1/webhooks/${endpoint.id}`)).body.data;
        if (!shown.enabled) break;
        clock.advance(10 * SECOND);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      const disabled = (await api(fx, `/v1/webhooks/${endpoint.id}`)).body.data;
      assert.equal(disabled.enabled, false);
      assert.equal(disabled.disabled_reason, 'failing');
      const notice = await until('webhook.disabled', () => deliveriesTo(hooks.receiver, '/watcher')[0]);
      assert.equal(notice.json.type, 'webhook.disabled');
      assert.equal(notice.json.data.webhook.id, endpoint.id);
      verifyStandard(watcher.secret, notice);

      // While disabled, new events wait; nothing is attempted.
      assert.equal(
        (await api(fx, `/v1/social/accounts/${account.id}/pause`, { method: 'POST' })).status,
        200,
      );
      const attemptsWhileOff = deliveriesTo(hooks.receiver, '/down').length;
      clock.advance(60 * SECOND);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(
        deliveriesTo(hooks.receiver, '/down').length,
        attemptsWhileOff,
        'no attempt while disabled',
      );

      hooks.receiver.answer = () => ({ status: 204 });
      const enabled = await api(fx, `/v1/webhooks/${endpoint.id}`, {
        method: 'PATCH',
        json: { enabled: true },
      });
      assert.equal(enabled.body.data.enabled, true);
      assert.equal(enabled.body.data.disabled_reason, null);
      const arrived = await until('what waited', () => {
        const ok = deliveriesTo(hooks.receiver, '/down', ['account.paused']);
        return ok.length >= 1 && ok;
      });
      assert.equal(arrived[0]!.json.data.account.id, account.id);

      // The receiver has it a moment before the worker records its answer.
      const paused = await until('the delivery recorded', async () =>
        (await api(fx, `/v1/webhooks/${endpoint.id}/deliveries?status=delivered`)).body.data.find(
          (d: any) => d.event_type === 'account.paused',
        ),
      );
      const before = deliveriesTo(hooks.receiver, '/down', ['account.paused']).length;
      const replay = await api(fx, `/v1/webhooks/${endpoint.id}/deliveries/${paused.id}/replay`, {
        method: 'POST',
      });
      assert.equal(replay.status, 202);
      assert.equal(replay.body.data.status, 'pending');
      const again = await until('the replay', () => {
        const got = deliveriesTo(hooks.receiver, '/down', ['account.paused']);
        return got.length > before && got;
      });
      assert.equal(again.at(-1)!.headers['webhook-id'], arrived[0]!.headers['webhook-id'], 'same webhook-id');
      verifyStandard(endpoint.secret, again.at(-1)!);
      assert.equal(
        deliveriesTo(hooks.receiver, '/down', ['webhook.disabled']).length,
        0,
        'webhook.disabled goes to the other endpoints, not the one it is about',
      );
      const unknown = await api(
        fx,
        `/v1/webhooks/${endpoint.id}/deliveries/dlv_00000000000000000000000000/replay`,
        { method: 'POST' },
      );
      assert.equal(unknown.status, 404);
    });

    test('an event queued for the portico style is not sent in a form it has not when the endpoint turns hosted', async (t) => {
      const endpoint = await endpointFor(t, '/switch', { enabled: false, events: ['account.connected'] });
      await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Switcher')).id);
      const switched = await api(fx, `/v1/webhooks/${endpoint.id}`, {
        method: 'PATCH',
        json: { payload_style: 'hosted', events: [], enabled: true },
      });
      assert.equal(switched.body.data.payload_style, 'hosted');
      const [delivery] = await until('the delivery settled', async () => {
        const log = (await api(fx, `/v1/webhooks/${endpoint.id}/deliveries?status=failed`)).body.data;
        return log.length > 0 && log;
      });
      assert.equal(delivery.event_type, 'account.connected');
      assert.match(delivery.error, /hosted style has no form of this event/);
      assert.equal(deliveriesTo(hooks.receiver, '/switch').length, 0);
    });

    test('a worker that dies holding a delivery: another delivers it, once, when its lease runs out', async (t) => {
      // Only its own connect: the refresh worker's events for earlier tests' accounts are not this test's.
      const endpoint = await endpointFor(t, '/lease', { enabled: false, events: ['account.connected'] });
      const [account] = await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Leased')).id);
      const runtime = fx.portico.runtime;
      // Turned on and claimed in one step by a worker that then dies: the live worker never sees it free.
      const claimed = await runtime.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('webhook_endpoints')
          .set({ enabled: true })
          .where('id', '=', endpoint.id)
          .execute();
        return claimDeliveries({ ...runtime, db: trx }, 'lease_dead', 50);
      });
      assert.equal(claimed.length, 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(deliveriesTo(hooks.receiver, '/lease').length, 0, 'nobody sends what a live lease holds');
      clock.advance(60 * SECOND);
      const hits = await until('the delivery', () => {
        const got = deliveriesTo(hooks.receiver, '/lease');
        return got.length > 0 && got;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(deliveriesTo(hooks.receiver, '/lease').length, 1, 'delivered once');
      assert.equal(hits[0]!.json.data.account.id, account.id);
    });
  });
}
