/**
 * Issue 10: an account's health (from its grant's state and a live probe, bounded in time and cached) and
 * the team's health list with tallies, over real HTTP against the simulator, on both backends.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PROBE_TIMEOUT_MS } from '../../src/accounts/health.ts';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/index.ts';
import { setSandboxScenario } from '../support/consent.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { freePort } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';
import { DAY, call, connectAccounts, testClock } from './support.ts';

for (const backend of BACKENDS) {
  describe(`an account's health (${backend})`, () => {
    const clock = testClock();
    const fx = connectFixture(backend, {}, { now: clock.now });
    const health = (id: string, query = '') => call(fx, `/v1/social/accounts/${id}/health${query}`);

    test('a working account is connected, with whole days left on the token it depends on', async () => {
      // LinkedIn: the account lives as long as its refresh token, 365 days from the authorization.
      const [member] = await connectAccounts(fx, 'linkedin', 'li-noah');
      const first = await health(member.id);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(first.body.data, {
        id: member.id,
        platform: 'linkedin',
        account_name: member.display_name,
        status: 'connected',
        token_expired: false,
        validity_days: 365,
        checked_at: clock.now().toISOString(),
      });
      clock.advance(100 * DAY + 3_600_000);
      const later = await health(member.id, '?probe=false');
      assert.equal(later.body.data.validity_days, 264, 'whole days, rounded down');
      assert.equal(later.body.data.status, 'connected', 'an access token past expiry is refreshed, not dead');
    });

    test('an account whose refresh token the platform refused is expired', async () => {
      const user = await fx.user('twitter', 'Refused Refresh', { refreshRevoked: true, accessTtlSeconds: 60 });
      const [account] = await connectAccounts(fx, 'twitter', user.id);
      assert.equal((await health(account.id)).body.data.status, 'connected');
      clock.advance(120_000);
      const creds = await call(fx, `/v1/social/accounts/${account.id}/credentials`);
      assert.equal(creds.status, 409);
      const shown = (await health(account.id)).body.data;
      assert.equal(shown.status, 'expired');
      assert.equal(shown.token_expired, true);
      assert.equal(shown.validity_days, 0);
      assert.ok(shown.error, 'it says why');
    });

    test('a refresh that failed for a passing reason is error, not expired', async () => {
      const user = await fx.user('twitter', 'Flaky Token Endpoint', { accessTtlSeconds: 60 });
      const [account] = await connectAccounts(fx, 'twitter', user.id);
      await setSandboxScenario(fx.sandbox, user.id, { tokenEndpoint: '500' });
      clock.advance(120_000);
      const creds = await call(fx, `/v1/social/accounts/${account.id}/credentials`);
      assert.equal(creds.status, 502);
      const shown = (await health(account.id)).body.data;
      assert.equal(shown.status, 'error', JSON.stringify(shown));
      assert.equal(shown.token_expired, false);
      assert.ok(shown.error);
    });

    test('a token revoked at the platform is found by the live probe; probe=false reports the stored state', async () => {
      const user = await fx.user('twitter', 'Revoked Elsewhere');
      const [account] = await connectAccounts(fx, 'twitter', user.id);
      const token = (await call(fx, `/v1/social/accounts/${account.id}/credentials`)).body.data.access_token;
      const { clientId, clientSecret } = SANDBOX_CREDENTIALS.twitter!;
      const revoked = await fetch(`${fx.sandbox}/api.x.com/2/oauth2/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      });
      assert.equal(revoked.status, 200);
      assert.equal((await health(account.id, '?probe=false')).body.data.status, 'connected');
      const probed = (await health(account.id)).body.data;
      assert.equal(probed.status, 'expired');
      assert.equal(probed.token_expired, true);
    });

    test('an unknown account is 404, and the query is checked', async () => {
      assert.equal((await health('acc_00000000000000000000000000')).status, 404);
      const [account] = await connectAccounts(fx, 'twitter', 'tw-ada');
      assert.equal((await health(account.id, '?probe=maybe')).status, 422);
    });
  });

  describe(`the live probe of a platform that never answers (${backend})`, () => {
    // X's API host goes through a relay to the simulator that can be told to stop answering.
    let relay: Server;
    let silent = false;
    const held: ServerResponse[] = [];
    const env: Record<string, string> = {};
    const options: { port?: number; now?: () => Date } = {};
    const clock = testClock();
    options.now = clock.now;
    before(async () => {
      const port = await freePort();
      options.port = port;
      relay = createServer((req, res) => void relayTo(`http://127.0.0.1:${port}/sandbox/api.x.com`, req, res));
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
      env.PORTICO_HOST_OVERRIDES = JSON.stringify({
        'api.x.com': `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
      });
      // Far longer than the probe's own bound: the bound, not the outbound timeout, ends the call.
      env.PORTICO_OUTBOUND_TIMEOUT_MS = '120000';
    });
    const fx = connectFixture(backend, env, options);
    after(async () => {
      for (const res of held) res.destroy();
      relay.closeAllConnections();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    });

    async function relayTo(base: string, req: IncomingMessage, res: ServerResponse) {
      if (silent) {
        held.push(res); // and never answer
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
          headers.set(name, value);
      }
      const answer = await fetch(`${base}${req.url}`, {
        method: req.method,
        headers,
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
        redirect: 'manual',
      });
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    }

    test('the health call answers within seconds with error, reuses that answer for a minute, and probe=false skips it', async () => {
      const [account] = await connectAccounts(fx, 'twitter', 'tw-grace');
      const health = (query = '') => call(fx, `/v1/social/accounts/${account.id}/health${query}`);
      assert.equal((await health()).body.data.status, 'connected', 'through the relay');
      clock.advance(61_000); // past the cached answer
      silent = true;

      let started = performance.now();
      const hanging = await health();
      let seconds = (performance.now() - started) / 1000;
      assert.equal(hanging.status, 200);
      assert.equal(hanging.body.data.status, 'error', JSON.stringify(hanging.body));
      assert.equal(hanging.body.data.token_expired, false);
      assert.match(hanging.body.data.error, /did not answer/);
      assert.ok(held.length >= 1, 'the probe did reach the silent platform');
      assert.ok(seconds < PROBE_TIMEOUT_MS / 1000 + 2, `answered after ${seconds.toFixed(1)} s`);

      started = performance.now();
      assert.equal((await health()).body.data.status, 'error', 'the cached answer');
      assert.equal((await health('?probe=false')).body.data.status, 'connected', 'no live call');
      seconds = (performance.now() - started) / 1000;
      assert.ok(seconds < 1, `cached and probe=false answers took ${seconds.toFixed(1)} s`);

      silent = false;
      clock.advance(61_000);
      assert.equal((await health()).body.data.status, 'connected', 'probed again after a minute');
    });
  });

  describe(`the team's health list (${backend})`, () => {
    const clock = testClock();
    const fx = connectFixture(backend, {}, { now: clock.now });

    test('every account of the team with tallies, paged, without live probes', async () => {
      const created = await call(fx, '/v1/teams', { method: 'POST', json: { name: 'Health' } });
      const team = created.body.data.id as string;
      const inTeam = { team_id: team };
      const [healthy] = await connectAccounts(fx, 'twitter', 'tw-ada', inTeam);
      const refused = await fx.user('twitter', 'Will Expire', { refreshRevoked: true, accessTtlSeconds: 60 });
      const [expired] = await connectAccounts(fx, 'twitter', refused.id, inTeam);
      const [expiring] = await connectAccounts(fx, 'linkedin', 'li-noah', inTeam);
      const [paused] = await connectAccounts(fx, 'twitter', 'tw-grace', inTeam);
      await connectAccounts(fx, 'twitter', (await fx.user('twitter', 'Other Team')).id); // not counted
      assert.equal(
        (await call(fx, `/v1/social/accounts/${paused.id}/pause?team_id=${team}`, { method: 'POST' })).status,
        200,
      );
      // 360 days on: LinkedIn's refresh token has 5 days left; the refused one fails on its next use.
      clock.advance(360 * DAY);
      assert.equal((await call(fx, `/v1/social/accounts/${expired.id}/credentials?team_id=${team}`)).status, 409);

      const first = await call(fx, `/v1/social/accounts/health?team_id=${team}&limit=3`);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const tallies = { healthy: 2, expiring: 1, expired: 1, paused: 1 };
      const { accounts, ...counted } = first.body.data;
      assert.deepEqual(counted, tallies);
      assert.equal(accounts.length, 3);
      assert.ok(first.body.meta.next_cursor);
      const second = await call(
        fx,
        `/v1/social/accounts/health?team_id=${team}&limit=3&cursor=${first.body.meta.next_cursor}`,
      );
      const { accounts: rest, ...countedAgain } = second.body.data;
      assert.deepEqual(countedAgain, tallies, 'every page carries the team’s tallies');
      assert.equal(second.body.meta.next_cursor, null);
      const all = new Map([...accounts, ...rest].map((a: any) => [a.id, a]));
      assert.equal(all.size, 4);
      assert.deepEqual(all.get(expiring.id), {
        id: expiring.id,
        platform: 'linkedin',
        account_name: expiring.display_name,
        is_active: true,
        status: 'connected',
        token_expired: false,
        validity_days: 5,
      });
      assert.equal(all.get(expired.id).status, 'expired');
      assert.equal(all.get(expired.id).token_expired, true);
      assert.equal(all.get(expired.id).validity_days, 0);
      assert.equal(all.get(paused.id).is_active, false);
      assert.equal(all.get(healthy.id).status, 'connected');
      assert.equal(all.get(healthy.id).validity_days, null, 'X refresh tokens do not expire');

      const empty = await call(fx, `/v1/social/accounts/health?team_id=${team}&cursor=acc_zzzzzzzzzzzzzzzzzzzzzzzzzz`);
      assert.deepEqual(empty.body.data, { ...tallies, accounts: [] });
    });
  });
}
