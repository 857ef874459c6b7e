/**
 * The grant-level refresh service when its lease is lost mid-refresh (a slow platform, a paused process):
 * a rotated pair is never thrown away. X rotates refresh tokens, so a lost pair would leave the grant dead.
 * A small proxy in front of X's token endpoint plays the other process: while the refresh is at the
 * platform, it takes the lease (and, in one case, stores other tokens), as a second worker would.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { grantTokenContext } from '../../src/accounts/tokens.ts';
import { freshGrantToken } from '../../src/refresh/refresh-grant.ts';
import type { Grant } from '../../src/storage/schema.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import { connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';
import { freePort } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

/** Forwards to the simulator's api.x.com; runs `meanwhile` before forwarding a refresh-token grant. */
async function startTokenProxy(target: () => string, meanwhile: { run?: () => Promise<void> }) {
  const port = await freePort();
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (body.toString().includes('grant_type=refresh_token') && meanwhile.run) {
      const run = meanwhile.run;
      meanwhile.run = undefined;
      await run();
    }
    const upstream = await fetch(`${target()}${request.url}`, {
      method: request.method!,
      headers: Object.fromEntries(
        Object.entries(request.headers).filter(
          ([k]) => !['host', 'content-length', 'connection'].includes(k),
        ),
      ) as Record<string, string>,
      ...(body.length > 0 ? { body } : {}),
    });
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'text/plain',
    });
    response.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

for (const backend of BACKENDS) {
  describe(`refreshing a grant whose lease is lost mid-refresh (${backend})`, () => {
    const meanwhile: { run?: () => Promise<void> } = {};
    let proxy: Awaited<ReturnType<typeof startTokenProxy>>;
    const fx = connectFixture(backend);
    before(async () => {
      proxy = await startTokenProxy(() => `${fx.portico.url}/sandbox/api.x.com`, meanwhile);
      // Only refreshes go through the proxy: the runtime's overrides are read per call.
      fx.portico.runtime.hostOverrides['api.x.com'] = proxy.url;
    });
    after(async () => proxy?.close());

    const db = () => fx.portico.runtime.db;

    async function connectedGrant(name: string): Promise<Grant> {
      const user = await fx.user('twitter', name);
      const flow = await connectThroughSandbox(fx.portico, 'twitter', { user: user.id });
      const account = (await pollConnect(fx.portico, flow.link.state_token)).accounts[0];
      const row = await db()
        .selectFrom('accounts')
        .select('grant_id')
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      // Due now: the next token request is a refresh.
      return db()
        .updateTable('grants')
        .set({ access_expires_at: new Date(Date.now() + 1000) })
        .where('id', '=', row.grant_id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }

    const stealLease = (grant: Grant) => async () => {
      await db()
        .updateTable('grants')
        .set({ refresh_lease_owner: 'lease_other_process', refresh_lease_until: new Date(Date.now() - 1) })
        .where('id', '=', grant.id)
        .execute();
    };

    test('the new pair is kept when nobody replaced the refresh token that was used', async () => {
      const grant = await connectedGrant('Lease Lost');
      meanwhile.run = stealLease(grant);
      const fresh = await freshGrantToken(fx.portico.runtime, grant.id);
      assert.ok(fresh.ok, JSON.stringify(!fresh.ok && fresh.failure));
      const stored = await db()
        .selectFrom('grants')
        .selectAll()
        .where('id', '=', grant.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(
        stored.refresh_token_enc,
        grant.refresh_token_enc,
        'the rotated refresh token was stored',
      );
      assert.equal(stored.status, 'active');
      assert.ok(stored.last_refreshed_at, 'the refresh is recorded');
      assert.ok(stored.next_refresh_at && stored.next_refresh_at > new Date(), 'and the next one scheduled');
      // The stored pair is the live one: refreshing again with it works (a spent token would be refused).
      await db()
        .updateTable('grants')
        .set({ access_expires_at: new Date(Date.now() + 1000) })
        .where('id', '=', grant.id)
        .execute();
      const again = await freshGrantToken(fx.portico.runtime, grant.id);
      assert.ok(again.ok, JSON.stringify(!again.ok && again.failure));
    });

    test('the grant is marked for re-authorization, and says why, when another holder stored other tokens', async () => {
      const grant = await connectedGrant('Lease Raced');
      meanwhile.run = async () => {
        await stealLease(grant)();
        await db()
          .updateTable('grants')
          .set({
            refresh_token_enc: fx.portico.runtime.keyring.encrypt(
              'other-rt',
              grantTokenContext(grant, 'refresh'),
            ),
          })
          .where('id', '=', grant.id)
          .execute();
      };
      const fresh = await freshGrantToken(fx.portico.runtime, grant.id);
      assert.ok(!fresh.ok);
      assert.equal(fresh.failure.reason, 'reauth_required');
      const stored = await db()
        .selectFrom('grants')
        .selectAll()
        .where('id', '=', grant.id)
        .executeTakeFirstOrThrow();
      assert.equal(stored.status, 'needs_reauth');
      assert.match(stored.status_reason ?? '', /overlapped/);
      const accounts = await db()
        .selectFrom('accounts')
        .select('status')
        .where('grant_id', '=', grant.id)
        .execute();
      assert.deepEqual(
        accounts.map((a) => a.status),
        ['needs_reauth'],
      );
      const events = await db()
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'account.token_expired')
        .execute();
      assert.ok(events.some((e) => (e.payload as any).reason.includes('overlapped')));
    });

    test('a platform that does not answer counts an attempt and leaves the grant active', async () => {
      const grant = await connectedGrant('Flaky Platform');
      const user = await db()
        .selectFrom('accounts')
        .select('external_id')
        .where('grant_id', '=', grant.id)
        .executeTakeFirstOrThrow();
      const sim = await fetch(`${fx.portico.url}/sandbox/_control/users?platform=twitter`);
      const simUser = ((await sim.json()) as any).users.find((u: any) => u.name === 'Flaky Platform');
      assert.ok(simUser && user.external_id);
      await fetch(`${fx.portico.url}/sandbox/_control/users/${simUser.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scenario: { tokenEndpoint: '500' } }),
      });
      const fresh = await freshGrantToken(fx.portico.runtime, grant.id);
      assert.ok(!fresh.ok);
      assert.equal(fresh.failure.reason, 'platform_unavailable');
      const stored = await db()
        .selectFrom('grants')
        .selectAll()
        .where('id', '=', grant.id)
        .executeTakeFirstOrThrow();
      assert.equal(stored.status, 'active');
      assert.equal(stored.refresh_attempts, 1);
      assert.match(stored.last_refresh_error ?? '', /500/);
      assert.equal(stored.refresh_lease_owner, null, 'the lease is released');
    });
  });
}
