import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resolveOAuthApp } from '../../src/connect/oauth-apps.ts';
import { platformContext } from '../../src/connect/platform-context.ts';
import { exchangeCode } from '../../src/oauth/token.ts';
import { threads } from '../../src/platforms/threads/index.ts';
import { startSandboxServer } from '../../src/sandbox/index.ts';
import { credentialsOf, grantOf, requestCredentials, withToken } from '../support/accounts.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import {
  connectAccount,
  connectFailure,
  connectThroughSandbox,
  pollConnect,
} from '../support/connect-flow.ts';
import { addSandboxUser } from '../support/consent.ts';
import { freePort, startTestPortico, type TestPortico } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

for (const backend of BACKENDS) {
  describe(`Threads connect, end to end (${backend})`, () => {
    const fx = connectFixture(backend);
    const user = (name: string, scenario?: Record<string, unknown>) => fx.user('threads', name, scenario);

    test('approving connects the profile with its id from /me and a 60-day token', async () => {
      const linus = await user('Linus');
      const flow = await connectThroughSandbox(fx.portico, 'threads', {
        user: linus.id,
        body: { return_url: `${fx.app.url}/done` },
      });
      assert.equal(flow.location?.searchParams.get('connected'), '1');
      assert.equal(flow.location?.searchParams.get('platform'), 'threads');
      const connectUrl = new URL(flow.link.connect_url);
      assert.equal(
        connectUrl.searchParams.get('scope'),
        'threads_basic,threads_content_publish',
        'comma-separated scopes',
      );

      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected');
      assert.equal(polled.accounts.length, 1);
      const account = polled.accounts[0];
      assert.equal(account.platform, 'threads');
      assert.equal(account.target_type, 'profile');
      assert.equal(account.platform_account_id, linus.id, 'the id as /me spells it, digit for digit');
      assert.equal(account.display_name, 'Linus');
      assert.equal(account.username, 'linus');
      assert.match(account.avatar_url ?? '', /^https:\/\//, 'threads_profile_picture_url');
      assert.deepEqual([...account.scopes].sort(), ['threads_basic', 'threads_content_publish']);
      const expiresIn = Date.parse(account.token_expires_at) - Date.now();
      assert.ok(
        Math.abs(expiresIn - 60 * DAY) < DAY,
        `the one-hour token was exchanged for a 60-day one (expires in ${Math.round(expiresIn / HOUR)} h)`,
      );

      const creds = await credentialsOf(fx.portico, account.id);
      assert.equal(creds.token_type, 'bearer');
      const me = await withToken(`${fx.sandbox}/graph.threads.net/v1.0/me?fields=id`, creds.access_token);
      assert.equal(me.status, 200, 'the stored token works against the platform');
      assert.equal(((await me.json()) as any).id, linus.id);
    });

    test('the built-in users keep their 17-digit ids exactly', async () => {
      // 17841412345678901 is past 2^53: read as a JSON number (the code exchange's user_id) it changes.
      const account = await connectAccount(fx.portico, 'threads', { user: '17841412345678901' });
      assert.equal(account.platform_account_id, '17841412345678901');
      assert.equal(account.username, 'ada.lovelace');
    });

    test('denying returns error=access_denied and connects nothing', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'threads', {
        decision: 'deny',
        body: { return_url: `${fx.app.url}/back` },
      });
      await connectFailure(fx.portico, flow, 'access_denied');
    });

    test('unticking threads_content_publish fails with not_enough_permissions', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'threads', {
        uncheck: ['threads_content_publish'],
        body: { return_url: `${fx.app.url}/back` },
      });
      const error = await connectFailure(fx.portico, flow, 'not_enough_permissions');
      assert.match(error.message, /threads_content_publish/);
    });

    test('a token endpoint answering 500 fails with platform_unavailable', async () => {
      const broken = await user('Broken', { tokenEndpoint: '500' });
      const flow = await connectThroughSandbox(fx.portico, 'threads', {
        user: broken.id,
        body: { return_url: `${fx.app.url}/back` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_unavailable');
    });
    test("the code exchange's flat OAuthException is read as an RFC 6749 invalid_grant", async () => {
      const redirectUri = `${fx.portico.url}/oauth/callback/threads`;
      const { runtime } = fx.portico;
      const app = await resolveOAuthApp(runtime, {
        teamId: fx.portico.teamId,
        module: threads,
        options: {},
        instance: '',
      });
      assert.ok(app);
      // What Threads answers, as documented: {"error_type": "OAuthException", "code": 400, "error_message": ...}
      const raw = await fetch(`${fx.sandbox}/graph.threads.net/oauth/access_token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: app.clientId,
          client_secret: app.clientSecret,
          grant_type: 'authorization_code',
          redirect_uri: redirectUri,
          code: 'no-such-code',
        }),
      });
      const rawBody = (await raw.json()) as any;
      assert.equal(rawBody.error_type, 'OAuthException', JSON.stringify(rawBody));

      const ctx = platformContext(runtime, threads, app, {});
      const result = await exchangeCode(
        { server: ctx.server, client: ctx.client, outbound: ctx.outbound, now: ctx.now },
        { callback: new URLSearchParams({ code: 'no-such-code' }), redirectUri, codeVerifier: undefined },
      );
      assert.ok(!result.ok);
      assert.equal(result.failure.kind, 'refused');
      assert.equal(result.failure.error, 'invalid_grant');
      assert.match(result.failure.message, /OAuthException/);
    });
  });

  /**
   * Threads refreshes a long-lived token only once it is at least 24 hours old, by its own clock. The
   * simulator mounted in a sandbox-mode Portico reads `Date.now` (Portico's injected clock does not reach
   * it), so these tests run it on its own, Portico in live mode in front of it through
   * PORTICO_HOST_OVERRIDES (as in providers.e2e.test.ts), and both on one test clock that moves forward.
   */
  describe(`Threads refresh on a shared clock (${backend})`, () => {
    let offsetMs = 0;
    const clock = () => Date.now() + offsetMs;
    let portico: TestPortico;
    let sim: Awaited<ReturnType<typeof startSandboxServer>>;

    before(async () => {
      const port = await freePort();
      sim = await startSandboxServer({
        now: clock,
        clients: [
          {
            platform: 'threads',
            clientId: '990602627938098',
            clientSecret: 'acme-threads-secret',
            redirectUris: [`http://127.0.0.1:${port}/oauth/callback/threads`],
          },
        ],
      });
      portico = await startTestPortico(
        backend,
        {
          PORTICO_MODE: 'live',
          PORTICO_HOST_OVERRIDES: JSON.stringify(sim.overrides),
          PORTICO_THREADS_CLIENT_ID: '990602627938098',
          PORTICO_THREADS_CLIENT_SECRET: 'acme-threads-secret',
        },
        { port, now: () => new Date(clock()) },
      );
    });
    after(async () => {
      await portico?.close();
      await sim?.close();
    });

    async function connect(name: string, scenario?: Record<string, unknown>) {
      const added = await addSandboxUser(sim.url, {
        platform: 'threads',
        name,
        username: name.toLowerCase(),
        ...(scenario ? { scenario } : {}),
      });
      const account = await connectAccount(portico, 'threads', { user: added.id });
      return { account, grant: await grantOf(portico, account) };
    }

    /** Moves both clocks to `ms` before the grant's token expires: old enough to refresh, not yet dead. */
    function moveToBeforeExpiry(expiresAt: Date, ms: number) {
      offsetMs += expiresAt.getTime() - ms - clock();
    }

    test('a token about to expire is refreshed with th_refresh_token, and the new one works for 60 days', async () => {
      const { account, grant } = await connect('Refresher');
      const before = await credentialsOf(portico, account.id);
      moveToBeforeExpiry(grant.access_expires_at!, 30_000);

      const creds = await credentialsOf(portico, account.id);
      assert.notEqual(creds.access_token, before.access_token, 'a new token');
      const after = await grantOf(portico, account);
      const lifetime = after.access_expires_at!.getTime() - clock();
      assert.ok(Math.abs(lifetime - 60 * DAY) < DAY, `60 days again (${Math.round(lifetime / DAY)} d)`);
      assert.equal(after.status, 'active');

      // Past the old token's expiry the new one still works against the platform.
      offsetMs += HOUR;
      const me = await withToken(`${sim.url}/graph.threads.net/v1.0/me?fields=id`, creds.access_token);
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as any).id, account.platform_account_id);
      const old = await withToken(`${sim.url}/graph.threads.net/v1.0/me?fields=id`, before.access_token);
      assert.notEqual(old.status, 200, 'the old token has expired meanwhile');
    });

    test('a refused refresh marks the account needs_reauth and answers 409 REAUTH_REQUIRED', async () => {
      const { account, grant } = await connect('Refused', { refreshRevoked: true });
      moveToBeforeExpiry(grant.access_expires_at!, 30_000);
      const res = await requestCredentials(portico, account.id);
      assert.equal(res.status, 409);
      assert.equal(((await res.json()) as any).error.code, 'REAUTH_REQUIRED');
      const view = (await (await portico.api(`/v1/social/accounts/${account.id}`)).json()) as any;
      assert.equal(view.data.status, 'needs_reauth');
    });
  });
}
