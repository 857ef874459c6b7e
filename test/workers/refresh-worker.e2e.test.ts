/**
 * The refresh worker over real HTTP against the simulator, on both backends. Time is Portico's injected
 * clock (the simulator keeps it too): tests move it, never sleep. Each pass of the worker is `refreshDue`,
 * what the background loop runs on every tick; "several workers" are several passes at once with owners
 * of their own, which on PostgreSQL run on separate pooled connections.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { leaseMs } from '../../src/refresh/refresh-grant.ts';
import { surfaces } from '../../src/surfaces.ts';
import type { Grant } from '../../src/storage/schema.ts';
import { claimDueGrants, refreshDue } from '../../src/workers/refresh.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { connectThroughSandbox, followCallback, pollConnect } from '../support/connect-flow.ts';
import { submitConsent } from '../support/consent.ts';
import { BACKENDS } from '../support/storage.ts';

const RACING_GRANTS = 200;
const RACING_WORKERS = 4;

// The hanging token endpoint gets a Portico of its own with a short outbound timeout, so it fails fast;
// the others keep the default, so a busy machine does not turn a slow answer into a failure.
for (const [backend, shortTimeout] of BACKENDS.flatMap((b) => [[b, false] as const, [b, true] as const])) {
  describe(`the refresh worker (${backend}${shortTimeout ? ', short outbound timeout' : ''})`, () => {
    let clock = Date.parse('2026-03-02T09:00:00Z');
    const fx = connectFixture(
      backend,
      // Hundreds of connects: no rate limit in the way.
      {
        PORTICO_IN_PROCESS_WORKERS: 'false',
        // For the one test that starts the background workers itself.
        PORTICO_REFRESH_INTERVAL_MS: '100',
        PORTICO_OUTBOUND_TIMEOUT_MS: shortTimeout ? '300' : '10000',
        PORTICO_RATE_LIMIT_PUBLIC: '100000',
        PORTICO_RATE_LIMIT_API: '100000',
      },
      { now: () => new Date(clock) },
    );
    const db = () => fx.portico.runtime.db;
    const runtime = () => fx.portico.runtime;
    // Each test counts the worker's work on its own grants: earlier tests' grants leave the schedule.
    beforeEach(async () => {
      await db().updateTable('grants').set({ next_refresh_at: null }).execute();
    });

    async function connect(
      platform: string,
      name: string,
      scenario: Record<string, unknown> = {},
    ): Promise<{ simUser: string; accountIds: string[]; grant: Grant }> {
      const user = await fx.user(platform, name, scenario);
      const flow = await connectThroughSandbox(fx.portico, platform, { user: user.id });
      const result = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(result.status, 'connected', JSON.stringify(result));
      const accountIds = (result.accounts as Array<{ id: string }>).map((a) => a.id);
      return { simUser: user.id, accountIds, grant: await grantOf(accountIds[0]!) };
    }

    async function grantOf(accountId: string): Promise<Grant> {
      return db()
        .selectFrom('grants')
        .innerJoin('accounts', 'accounts.grant_id', 'grants.id')
        .selectAll('grants')
        .where('accounts.id', '=', accountId)
        .executeTakeFirstOrThrow();
    }

    const reload = (grant: Grant) =>
      db().selectFrom('grants').selectAll().where('id', '=', grant.id).executeTakeFirstOrThrow();

    async function setScenario(simUser: string, scenario: Record<string, unknown>) {
      const res = await fetch(`${fx.portico.url}/sandbox/_control/users/${simUser}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scenario }),
      });
      assert.equal(res.status, 200, await res.text());
    }

    async function eventsFor(accountId: string, type?: string) {
      const rows = await db().selectFrom('events').selectAll().orderBy('id').execute();
      return rows
        .map((e) => ({ type: e.type, payload: e.payload as any }))
        .filter((e) => e.payload.account?.id === accountId && (!type || e.type === type));
    }

    async function credentials(accountId: string) {
      const res = await fx.portico.api(`/v1/social/accounts/${accountId}/credentials`);
      return { status: res.status, body: (await res.json()) as any };
    }

    if (!shortTimeout) {
      test('short-lived tokens are refreshed before they expire by the worker alone', async () => {
        const { accountIds, grant } = await connect('twitter', 'Short Lived', { accessTtlSeconds: 600 });
        const [accountId] = accountIds as [string];
        let previous = grant;
        for (let round = 0; round < 12; round++) {
          assert.ok(previous.next_refresh_at, 'a refresh is scheduled');
          assert.ok(previous.next_refresh_at < previous.access_expires_at!, 'ahead of expiry');
          clock = previous.next_refresh_at.getTime();
          const run = await refreshDue(runtime());
          assert.equal(run.refreshed, 1, `round ${round}: ${JSON.stringify(run)}`);
          const now = await reload(grant);
          assert.notEqual(now.refresh_token_enc, previous.refresh_token_enc, 'the refresh token rotated');
          assert.equal(now.access_expires_at!.getTime(), clock + 600_000);
          // The app is served the worker's token: valid for minutes, so the credentials call refreshes nothing.
          const served = await credentials(accountId);
          assert.equal(served.status, 200);
          assert.equal(served.body.data.expires_at, now.access_expires_at!.toISOString());
          previous = now;
        }
        assert.equal((await eventsFor(accountId, 'account.refreshed')).length, 12);
        const event = (await eventsFor(accountId, 'account.refreshed'))[0]!;
        assert.equal(event.payload.account.status, 'active');
        assert.doesNotMatch(JSON.stringify(event.payload), /token"?\s*:\s*"(?!20)/, 'no token in events');
      });

      test(`${RACING_WORKERS} workers racing on ${RACING_GRANTS} due grants with rotating refresh tokens use none twice and lose none`, async () => {
        const grants: Grant[] = [];
        for (let i = 0; i < RACING_GRANTS; i++) {
          grants.push((await connect('twitter', `Racer ${backend} ${i}`, { accessTtlSeconds: 3600 })).grant);
        }
        const ids = grants.map((g) => g.id);
        for (let round = 1; round <= 2; round++) {
          clock += 3600_000 - 60_000;
          const runs = await Promise.all(
            Array.from({ length: RACING_WORKERS }, (_, i) =>
              refreshDue(runtime(), { owner: `lease_racer_${round}_${i}`, batchSize: 10 }),
            ),
          );
          const total = runs.reduce((sum, r) => sum + r.refreshed, 0);
          const rows = await db().selectFrom('grants').selectAll().where('id', 'in', ids).execute();
          // A refresh token used twice would be refused by the simulator and the grant marked needs_reauth.
          assert.deepEqual(
            rows.filter((g) => g.status !== 'active').map((g) => g.last_refresh_error),
            [],
            `round ${round}`,
          );
          assert.equal(
            total,
            RACING_GRANTS,
            `round ${round}: each grant refreshed once (${JSON.stringify(runs)}; ${rows
              .map((r) => r.last_refresh_error)
              .filter(Boolean)
              .join('; ')})`,
          );
          assert.deepEqual(
            rows
              .filter((g) => g.last_refreshed_at?.getTime() !== clock || g.refresh_lease_owner !== null)
              .map((g) => [g.last_refreshed_at, g.refresh_lease_owner, g.next_refresh_at]),
            [],
            `round ${round}: every grant refreshed and released (now ${new Date(clock).toISOString()})`,
          );
          if (round === 1) assert.ok(runs.filter((r) => r.refreshed > 0).length > 1, 'the work was shared');
        }
      });

      test('grants leased by a worker that died are picked up once its lease runs out, nothing lost', async () => {
        const connected = [
          await connect('twitter', 'Orphan One', { accessTtlSeconds: 3600 }),
          await connect('twitter', 'Orphan Two', { accessTtlSeconds: 3600 }),
        ];
        clock += 3600_000 - 60_000;
        const ids = connected.map((c) => c.grant.id);
        // The dead worker claimed them and never came back.
        const orphaned = await claimDueGrants(runtime(), 'lease_dead_worker', 100);
        assert.ok(ids.every((id) => orphaned.some((g) => g.id === id)));
        assert.equal((await refreshDue(runtime())).claimed, 0, 'a live lease is respected');
        clock += leaseMs(runtime()) + 1;
        const run = await refreshDue(runtime());
        assert.ok(run.refreshed >= 2, JSON.stringify(run));
        for (const { grant, accountIds } of connected) {
          const now = await reload(grant);
          assert.equal(now.status, 'active');
          assert.equal(now.last_refreshed_at?.getTime(), clock);
          assert.notEqual(now.refresh_token_enc, grant.refresh_token_enc);
          assert.equal((await credentials(accountIds[0]!)).status, 200);
        }
      });
    }

    for (const failing of shortTimeout ? (['hang'] as const) : (['500', '429'] as const)) {
      test(`a token endpoint answering ${failing} is retried with backoff, the account stays usable, and recovers`, async () => {
        const { simUser, accountIds, grant } = await connect('twitter', `Flaky ${failing}`, {
          accessTtlSeconds: 7200,
        });
        const [accountId] = accountIds as [string];
        await setScenario(simUser, { tokenEndpoint: failing, accessTtlSeconds: 7200 });
        clock = grant.next_refresh_at!.getTime();
        let delays: number[] = [];
        for (let attempt = 1; attempt <= 3; attempt++) {
          const run = await refreshDue(runtime());
          assert.equal(run.failed, 1, JSON.stringify(run));
          const now = await reload(grant);
          assert.equal(now.status, 'active', 'transient is not dead');
          assert.equal(now.refresh_attempts, attempt);
          assert.equal(now.refresh_token_enc, grant.refresh_token_enc, 'the tokens are kept');
          assert.ok(now.next_refresh_at! > new Date(clock), 'the next attempt waits');
          const delay = now.next_refresh_at!.getTime() - clock;
          if (failing === '429') assert.ok(delay >= 60_000, `Retry-After honoured (${delay} ms)`);
          delays.push(delay);
          assert.equal((await refreshDue(runtime())).claimed, 0, 'not retried before its time');
          const failed = (await eventsFor(accountId, 'account.refresh_failed')).at(-1)!;
          assert.equal(failed.payload.attempts, attempt);
          assert.equal(failed.payload.next_attempt_at, now.next_refresh_at!.toISOString());
          assert.ok(failed.payload.reason.length > 0);
          // The account still serves its (still valid) token.
          const served = await credentials(accountId);
          assert.equal(served.status, 200, JSON.stringify(served.body));
          assert.equal(
            (
              await db()
                .selectFrom('accounts')
                .select('status')
                .where('id', '=', accountId)
                .executeTakeFirstOrThrow()
            ).status,
            'active',
          );
          clock = now.next_refresh_at!.getTime();
        }
        if (failing !== '429') assert.ok(delays[2]! > delays[0]!, `backoff grows: ${delays.join(', ')}`);
        delays = [];
        await setScenario(simUser, { tokenEndpoint: 'ok', accessTtlSeconds: 7200 });
        const run = await refreshDue(runtime());
        assert.equal(run.refreshed, 1, JSON.stringify(run));
        const healed = await reload(grant);
        assert.equal(healed.refresh_attempts, 0);
        assert.equal(healed.last_refresh_error, null);
        const recovered = await eventsFor(accountId, 'account.recovered');
        assert.equal(recovered.length, 1);
        assert.equal(recovered[0]!.payload.failed_attempts, 3);
        assert.equal((await eventsFor(accountId, 'account.token_expired')).length, 0);
      });
    }

    if (!shortTimeout) {
      test('the background worker that serve and portico worker start refreshes due grants', async () => {
        const { grant } = await connect('twitter', 'Background', { accessTtlSeconds: 3600 });
        clock = grant.next_refresh_at!.getTime();
        const workers = surfaces.workers(runtime());
        try {
          assert.ok(workers.some((w) => w.name === 'refresh'));
          // The loop ticks on a real 100 ms timer: wait for its pass, bounded (5 s).
          let refreshed = false;
          for (let i = 0; i < 100 && !refreshed; i++) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            refreshed = (await reload(grant)).last_refreshed_at?.getTime() === clock;
          }
          assert.ok(refreshed, 'refreshed by the background loop');
        } finally {
          await Promise.all(workers.map((w) => w.stop()));
        }
      });

      test('a refresh token revoked at the platform expires the account with a reconnect URL that revives it', async () => {
        const { simUser, accountIds, grant } = await connect('twitter', 'Revoked', {
          accessTtlSeconds: 3600,
        });
        const [accountId] = accountIds as [string];
        await setScenario(simUser, { refreshRevoked: true });
        clock = grant.next_refresh_at!.getTime();
        const run = await refreshDue(runtime());
        assert.equal(run.expired, 1, JSON.stringify(run));
        assert.equal((await reload(grant)).status, 'needs_reauth');
        const [expired] = await eventsFor(accountId, 'account.token_expired');
        assert.ok(expired, 'account.token_expired');
        assert.equal(expired.payload.account.status, 'needs_reauth');
        assert.match(expired.payload.reason, /invalid_grant/);
        assert.ok(expired.payload.reconnect_url, 'a reconnect URL');
        assert.ok(Date.parse(expired.payload.reconnect_expires_at) > clock);
        assert.equal((await credentials(accountId)).status, 409);

        await setScenario(simUser, { refreshRevoked: false });
        const callback = await submitConsent(expired.payload.reconnect_url, { user: simUser });
        const { location } = await followCallback(callback);
        assert.equal(location?.searchParams.get('error') ?? null, null, location?.toString());
        const account = await db()
          .selectFrom('accounts')
          .selectAll()
          .where('id', '=', accountId)
          .executeTakeFirstOrThrow();
        assert.equal(account.status, 'active', 'the same account is back');
        assert.equal((await credentials(accountId)).status, 200);
      });

      test('a token that cannot be refreshed gets account.token_expiring ahead of time, then token_expired', async () => {
        const { accountIds, grant } = await connect('facebook', 'Page Owner');
        assert.ok(accountIds.length >= 1);
        assert.ok(grant.access_expires_at, 'a 60-day user token');
        const expiresAt = grant.access_expires_at.getTime();
        const warnAt = expiresAt - 7 * 24 * 3600_000;
        assert.equal(grant.next_refresh_at?.getTime(), warnAt);

        clock = warnAt - 1000;
        assert.equal((await refreshDue(runtime())).claimed, 0, 'too early to warn');
        clock = warnAt;
        assert.equal((await refreshDue(runtime())).warned, 1);
        clock = warnAt + 24 * 3600_000;
        assert.equal((await refreshDue(runtime())).claimed, 0, 'warned once');
        for (const id of accountIds) {
          const events = await eventsFor(id, 'account.token_expiring');
          assert.equal(events.length, 1, id);
          // Page accounts follow the user token's life.
          assert.equal(events[0]!.payload.account.token_expires_at, new Date(expiresAt).toISOString());
          assert.equal((await credentials(id)).status, 200, 'still usable until it expires');
        }

        clock = expiresAt;
        assert.equal((await refreshDue(runtime())).expired, 1);
        assert.equal((await reload(grant)).status, 'needs_reauth');
        for (const id of accountIds) {
          const [expired] = await eventsFor(id, 'account.token_expired');
          assert.ok(expired?.payload.reconnect_url, id);
        }
      });
    }
  });
}
