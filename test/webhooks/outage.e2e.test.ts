/**
 * Issue 12, done when: a receiver down for five minutes loses nothing. The retry schedule is scaled down by
 * configuration (seconds instead of hours, still longer in all than the outage) and runs on a clock the
 * test moves; events keep happening during the outage. When the receiver is back, every event arrives,
 * in order per account, none twice.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectAccounts } from '../accounts/support.ts';
import { BACKENDS } from '../support/storage.ts';
import { api, createEndpoint, deliveriesTo, until, verifyStandard, webhookFixture } from './support.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

for (const backend of BACKENDS) {
  describe(`a receiver down for five minutes (${backend})`, () => {
    const hooks = webhookFixture(backend, {
      // 5 s, 10 s, 20 s ... about ten minutes in all: the outage fits inside it, as hours fit three days.
      PORTICO_WEBHOOKS_RETRY_SCHEDULE: '5s,10s,20s,40s,80s,160s,320s',
      PORTICO_WEBHOOKS_DISABLE_AFTER: '1h',
    });
    const { clock, fx } = hooks;

    test('loses nothing: every event arrives afterwards, in order per account, none twice', async () => {
      const endpoint = await createEndpoint(fx, { url: `${hooks.receiver.url}/outage` });
      const pending = async () =>
        (await api(fx, `/v1/webhooks/${endpoint.id}/deliveries?status=pending&limit=100`)).body.data;
      await hooks.receiver.stop();
      const accounts = [];
      // Five minutes down, a minute at a time, with changes happening all along.
      for (let minute = 0; minute < 5; minute++) {
        const [account] = await connectAccounts(
          fx,
          'twitter',
          (await fx.user('twitter', `Outage ${minute}`)).id,
        );
        accounts.push(account);
        for (const action of ['pause', 'resume']) {
          assert.equal(
            (await api(fx, `/v1/social/accounts/${account.id}/${action}`, { method: 'POST' })).status,
            200,
          );
        }
        // Each account's first delivery is tried (and fails) before the minute passes.
        await until('every waiting account tried', async () => {
          const heads = (await pending()).filter((d: any) => d.event_type === 'account.connected');
          return heads.length === accounts.length && heads.every((d: any) => d.attempts > 0) && heads;
        });
        clock.advance(MINUTE);
      }
      const waiting = await pending();
      assert.equal(waiting.length, 15, 'fifteen deliveries wait');
      assert.ok(
        waiting.filter((d: any) => d.event_type !== 'account.connected').every((d: any) => d.attempts === 0),
        'nothing behind a failing delivery was sent out of order',
      );
      assert.equal(
        (await api(fx, `/v1/webhooks/${endpoint.id}/deliveries?status=failed`)).body.data.length,
        0,
      );

      await hooks.receiver.start();
      // The next scheduled attempts find it back. An attempt already on its way when the receiver came back
      // (it failed, and was scheduled from the moved clock) needs the clock to move once more.
      const all = () => {
        const got = deliveriesTo(hooks.receiver, '/outage');
        return got.length >= 15 && got;
      };
      for (let round = 0; round < 5 && !all(); round++) {
        clock.advance(6 * MINUTE);
        await until('fifteen deliveries', all, 3000).catch(() => undefined);
      }
      const hits = await until('fifteen deliveries', all);
      await until('the queue drained', async () => (await pending()).length === 0);
      assert.equal(deliveriesTo(hooks.receiver, '/outage').length, 15, 'none twice');
      assert.equal(new Set(hits.map((h) => h.json.id)).size, 15);
      for (const account of accounts) {
        assert.deepEqual(
          hits.filter((h) => h.json.data.account.id === account.id).map((h) => h.json.type),
          ['account.connected', 'account.paused', 'account.resumed'],
          'in order per account',
        );
      }
      for (const hit of hits) verifyStandard(endpoint.secret, hit);
      const metrics = await (await fetch(`${fx.portico.url}/metrics`)).text();
      assert.match(metrics, /portico_webhook_deliveries_total\{outcome="delivered"\} 15/);
      assert.match(metrics, /portico_webhook_deliveries_total\{outcome="retrying"\} [1-9]/);
      assert.match(metrics, /portico_webhook_queue_depth 0/);
    });
  });
}
