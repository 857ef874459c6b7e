import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sweep } from '../../src/workers/housekeeping.ts';
import { createConnectLink, pollConnect } from '../support/connect-flow.ts';
import { startTestPortico } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

for (const backend of BACKENDS) {
  describe(`housekeeping (${backend})`, () => {
    test('marks abandoned connect sessions expired and forgets old idempotency records', async () => {
      let clock = Date.now();
      const portico = await startTestPortico(
        backend,
        { PORTICO_IN_PROCESS_WORKERS: 'false' },
        { now: () => new Date(clock) },
      );
      try {
        const abandoned = await createConnectLink(portico, 'twitter');
        await portico.api('/v1/teams', {
          method: 'POST',
          json: { name: 'x' },
          headers: { 'Idempotency-Key': 'k1' },
        });
        assert.deepEqual(await sweep(portico.runtime), {
          expiredSessions: 0,
          forgottenIdempotencyKeys: 0,
          forgottenEvents: 0,
        });

        clock += 16 * 60 * 1000;
        const fresh = await createConnectLink(portico, 'twitter');
        assert.equal((await sweep(portico.runtime)).expiredSessions, 1);
        const row = await portico.runtime.db
          .selectFrom('connect_sessions')
          .select('status')
          .where('status', '=', 'expired')
          .execute();
        assert.equal(row.length, 1);
        assert.equal((await pollConnect(portico, abandoned.state_token)).status, 'expired');
        assert.equal((await pollConnect(portico, fresh.state_token)).status, 'pending');

        clock += 25 * 60 * 60 * 1000;
        assert.equal((await sweep(portico.runtime)).forgottenIdempotencyKeys, 1);

        // Events go after the retention (30 days), except one whose delivery still waits.
        const hook = await portico.api('/v1/webhooks', {
          method: 'POST',
          json: { url: 'https://93.184.216.34/h', all_teams: true },
        });
        assert.equal(hook.status, 201);
        const endpoint = ((await hook.json()) as any).data.id;
        await portico.api('/v1/teams', { method: 'POST', json: { name: 'y' } });
        const before = await portico.runtime.db.selectFrom('events').select('type').execute();
        assert.ok(before.length >= 3, 'team.created twice and the default team');
        clock += 31 * 24 * 60 * 60 * 1000;
        const swept = await sweep(portico.runtime);
        assert.equal(swept.forgottenEvents, before.length - 1);
        const kept = await portico.runtime.db.selectFrom('events').select('type').execute();
        assert.deepEqual(kept, [{ type: 'team.created' }], 'the event still waiting for its delivery');
        const waiting = await portico.api(`/v1/webhooks/${endpoint}/deliveries`);
        assert.equal(((await waiting.json()) as any).data[0].status, 'pending');
      } finally {
        await portico.close();
      }
    });
  });
}
