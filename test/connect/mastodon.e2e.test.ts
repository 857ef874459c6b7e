/**
 * Mastodon, end to end over real HTTP against the simulator's four instances (docs/sandbox.md): the server
 * named per connect, the app registered once per instance (again where the instance forgot it), PKCE only
 * where the server has it. Then `prepare` in live mode: which server addresses a caller may name.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { revokeGrant } from '../../src/accounts/revoke.ts';
import { createOutbound } from '../../src/outbound/client.ts';
import type { Resolver } from '../../src/outbound/public-address.ts';
import { platformApi } from '../../src/platforms/api.ts';
import { createMastodon, type MastodonOptions } from '../../src/platforms/mastodon/index.ts';
import { type OptionsContext, type PlatformContext, serverOf } from '../../src/platforms/types.ts';
import { credentialsOf, grantOf, withToken } from '../support/accounts.ts';
import { connectFixture } from '../support/connect-fixture.ts';
import {
  connectAccount,
  connectFailure,
  connectThroughSandbox,
  pollConnect,
} from '../support/connect-flow.ts';
import { BACKENDS } from '../support/storage.ts';

const json = async (res: Response) => (await res.json()) as any;

for (const backend of BACKENDS) {
  describe(`Mastodon connect, end to end (${backend})`, () => {
    // Debug logs carry one line per outbound request: how app registrations are counted.
    const logLines: string[] = [];
    const fx = connectFixture(backend, { PORTICO_LOG_LEVEL: 'debug' }, { logLines });

    /** `POST /api/v1/apps` calls Portico made to an instance so far. */
    const registrations = (instance: string) =>
      logLines.filter((line) => {
        const event = JSON.parse(line).outbound;
        return (
          event?.method === 'POST' &&
          event.url.endsWith(`/sandbox/${instance}/api/v1/apps`) &&
          event.attempt === 1
        );
      }).length;
    const appRows = (instance: string) =>
      fx.portico.runtime.db
        .selectFrom('registered_apps')
        .selectAll()
        .where('platform', '=', 'mastodon')
        .where('instance', '=', instance)
        .execute();
    const verifyCredentials = (instance: string, token: string) =>
      withToken(`${fx.sandbox}/${instance}/api/v1/accounts/verify_credentials`, token);
    const credentials = (accountId: string) => credentialsOf(fx.portico, accountId);
    const refused = async (platform: string, body: Record<string, unknown>) => {
      const res = await fx.portico.api(`/v1/social/connect/${platform}`, { method: 'POST', json: body });
      const answer = await json(res);
      assert.equal(res.status, 422, JSON.stringify(answer));
      assert.equal(answer.error.code, 'VALIDATION_FAILED');
      return answer.error;
    };

    test('a connect on mastodon.social gives @user@mastodon.social, with PKCE in the authorize URL', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'mastodon', {
        user: 'md-ada',
        body: { server_url: 'https://mastodon.social', return_url: `${fx.app.url}/done` },
      });
      assert.equal(flow.location?.searchParams.get('connected'), '1');
      const authorize = new URL(flow.link.connect_url);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(authorize.searchParams.get('code_challenge'));
      assert.equal(authorize.searchParams.get('scope'), 'read:accounts write:statuses write:media');

      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected', JSON.stringify(polled.error));
      assert.equal(polled.accounts.length, 1);
      const [account] = polled.accounts;
      assert.equal(account.platform, 'mastodon');
      assert.equal(account.target_type, 'profile');
      assert.equal(account.username, '@ada@mastodon.social');
      assert.ok(account.display_name);
      assert.ok(account.scopes.includes('write:statuses'));
      assert.equal(account.token_expires_at, null, 'Mastodon tokens do not expire');
      const grant = await grantOf(fx.portico, account, 'mastodon.social');
      assert.deepEqual(grant.options, { server: 'https://mastodon.social', pkce: true });
    });

    test('credentials work at the instance and never expire', async () => {
      const account = await connectAccount(fx.portico, 'mastodon', {
        user: 'md-alan',
        body: { server_url: 'mastodon.social' },
      });
      const creds = await credentials(account.id);
      assert.equal(creds.token_type, 'bearer');
      assert.equal(creds.expires_at, null);
      const me = await verifyCredentials('mastodon.social', creds.access_token);
      assert.equal(me.status, 200);
      assert.equal((await json(me)).id, account.platform_account_id);
    });

    test('a server_url without a scheme (fosstodon.org) connects over https', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'mastodon', {
        user: 'md-grace',
        body: { server_url: 'fosstodon.org' },
      });
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected', JSON.stringify(polled.error));
      assert.equal(polled.accounts[0].username, '@grace@fosstodon.org');
      assert.equal(new URL(flow.link.connect_url).searchParams.get('code_challenge_method'), 'S256');
    });

    test('the same account id on two instances makes two accounts (the instance is in the keys)', async () => {
      const ada = await connectThroughSandbox(fx.portico, 'mastodon', {
        user: 'md-ada',
        body: { server_url: 'https://mastodon.social' },
      });
      const grace = await connectThroughSandbox(fx.portico, 'mastodon', {
        user: 'md-grace',
        body: { server_url: 'https://fosstodon.org' },
      });
      const [a] = (await pollConnect(fx.portico, ada.link.state_token)).accounts;
      const [g] = (await pollConnect(fx.portico, grace.link.state_token)).accounts;
      assert.equal(
        a.platform_account_id,
        g.platform_account_id,
        'the simulator gives both the same local id',
      );
      assert.notEqual(a.id, g.id);
      assert.equal(a.username, '@ada@mastodon.social');
      assert.equal(g.username, '@grace@fosstodon.org');
      const grants = await fx.portico.runtime.db
        .selectFrom('grants')
        .select('instance')
        .where('platform', '=', 'mastodon')
        .where('subject', '=', a.platform_account_id)
        .orderBy('instance')
        .execute();
      assert.deepEqual(
        grants.map((g) => g.instance),
        ['fosstodon.org', 'mastodon.social'],
      );
    });

    test('the app is registered once per instance and reused by later connects', async () => {
      for (let i = 0; i < 2; i++) {
        const flow = await connectThroughSandbox(fx.portico, 'mastodon', {
          user: 'md-grace',
          body: { server_url: 'https://fosstodon.org/' },
        });
        assert.equal((await pollConnect(fx.portico, flow.link.state_token)).status, 'connected');
      }
      const rows = await appRows('fosstodon.org');
      assert.equal(rows.length, 1, 'one registered app for the instance');
      assert.equal(registrations('fosstodon.org'), 1, 'one POST /api/v1/apps over every connect so far');
      assert.ok(rows[0]!.verified_at > rows[0]!.created_at, 'checked again by the later connects');
      const other = await appRows('mastodon.social');
      assert.equal(other.length, 1);
      assert.notEqual(other[0]!.client_id, rows[0]!.client_id, 'each instance has its own app');
    });

    test('an instance that forgot the app gets it registered again, and the next connect works', async () => {
      const connect = async () => {
        const flow = await connectThroughSandbox(fx.portico, 'mastodon', {
          user: 'md-margaret',
          body: { server_url: 'forgetful.mastodon.example' },
        });
        const polled = await pollConnect(fx.portico, flow.link.state_token);
        assert.equal(polled.status, 'connected', JSON.stringify(polled.error));
        assert.equal(polled.accounts[0].username, '@margaret@forgetful.mastodon.example');
        return (await appRows('forgetful.mastodon.example'))[0]!.client_id;
      };
      const before = registrations('forgetful.mastodon.example');
      const first = await connect();
      const second = await connect();
      assert.notEqual(second, first, 'a new client_id after the instance forgot the first');
      assert.equal(registrations('forgetful.mastodon.example') - before, 2);
      assert.equal((await appRows('forgetful.mastodon.example')).length, 1, 'the row was replaced');
    });

    test('a server before 4.3 (no metadata) connects without PKCE', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'mastodon', {
        user: 'md-katherine',
        body: { server_url: 'https://legacy.mastodon.example' },
      });
      const authorize = new URL(flow.link.connect_url);
      assert.equal(authorize.searchParams.get('code_challenge'), null);
      assert.equal(authorize.searchParams.get('code_challenge_method'), null);
      const polled = await pollConnect(fx.portico, flow.link.state_token);
      assert.equal(polled.status, 'connected', JSON.stringify(polled.error));
      assert.equal(polled.accounts[0].username, '@katherine@legacy.mastodon.example');
      const creds = await credentials(polled.accounts[0].id);
      assert.equal((await verifyCredentials('legacy.mastodon.example', creds.access_token)).status, 200);
    });

    test('a missing server_url is 422 naming it', async () => {
      const error = await refused('mastodon', {});
      assert.equal(error.details.field, 'server_url');
    });

    test('server_url on a platform that takes no options is 422 naming it', async () => {
      const error = await refused('twitter', { server_url: 'https://mastodon.social' });
      assert.equal(error.details.field, 'server_url');
    });

    test('a server the sandbox does not simulate, or one that is not Mastodon, is 422 naming server_url', async () => {
      for (const server_url of [
        'unknown.example',
        'https://api.x.com',
        'ftp://mastodon.social',
        'https://',
        ' ',
      ]) {
        const error = await refused('mastodon', { server_url });
        assert.equal(error.details.field, 'server_url', server_url);
      }
    });

    test('denying returns error=access_denied and connects nothing', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'mastodon', {
        decision: 'deny',
        body: { server_url: 'mastodon.social', return_url: `${fx.app.url}/back` },
      });
      await connectFailure(fx.portico, flow, 'access_denied');
    });

    test('a token endpoint answering 500 fails with platform_unavailable', async () => {
      const broken = await fx.user('mastodon', 'Broken', { tokenEndpoint: '500' });
      const flow = await connectThroughSandbox(fx.portico, 'mastodon', {
        user: broken.id,
        body: { server_url: 'mastodon.social', return_url: `${fx.app.url}/back` },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_unavailable');
    });

    test('revoking the grant kills its token at the instance', async () => {
      const leaver = await fx.user('mastodon', 'Leaver');
      const account = await connectAccount(fx.portico, 'mastodon', {
        user: leaver.id,
        body: { server_url: 'mastodon.social' },
      });
      const { access_token } = await credentials(account.id);
      assert.equal((await verifyCredentials('mastodon.social', access_token)).status, 200);
      const revoked = await revokeGrant(
        fx.portico.runtime,
        await grantOf(fx.portico, account, 'mastodon.social'),
      );
      assert.ok(revoked.ok, JSON.stringify(!revoked.ok && revoked.failure));
      assert.equal((await verifyCredentials('mastodon.social', access_token)).status, 401);
    });
  });
}

describe('Mastodon server_url in live mode', () => {
  /** A stand-in for any server: Mastodon 4.3 metadata everywhere; records what was called. */
  function fakeServers(answer: (url: URL) => Response = metadataAnswer) {
    const calls: string[] = [];
    const outbound = createOutbound({
      retries: 0,
      fetch: async (input) => {
        const url = new URL(String(input));
        calls.push(url.href);
        return answer(url);
      },
    });
    return { calls, outbound };
  }
  const metadataAnswer = (url: URL) =>
    url.pathname === '/.well-known/oauth-authorization-server'
      ? Response.json({
          issuer: `${url.origin}/`,
          app_registration_endpoint: `${url.origin}/api/v1/apps`,
          code_challenge_methods_supported: ['S256'],
        })
      : Response.json({ error: 'Not found' }, { status: 404 });
  const dns: Resolver = async (hostname) => {
    const table: Record<string, string> = {
      'mastodon.social': '151.101.1.91',
      'xn--bcher-kva.example': '151.101.1.92',
      'intranet.example': '192.168.1.10',
    };
    const address = table[hostname];
    if (!address) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    return [{ address, family: 4 }];
  };
  const mastodon = createMastodon(dns);
  const context = (
    outbound: ReturnType<typeof createOutbound>,
    allowPrivateHosts: boolean,
  ): OptionsContext => ({
    api: platformApi(outbound),
    outbound,
    now: new Date(),
    allowPrivateHosts,
    sandbox: false,
  });
  const prepare = (server_url: string, allowPrivateHosts = false, servers = fakeServers()) =>
    mastodon.options!.prepare(context(servers.outbound, allowPrivateHosts), { server_url });

  const normalised: Array<[input: string, server: string]> = [
    ['mastodon.social', 'https://mastodon.social'],
    ['Mastodon.Social', 'https://mastodon.social'],
    ['https://mastodon.social/', 'https://mastodon.social'],
    ['https://mastodon.social/@ada?x=1#top', 'https://mastodon.social'],
    ['mastodon.social.', 'https://mastodon.social'],
    ['  mastodon.social  ', 'https://mastodon.social'],
    ['bücher.example', 'https://xn--bcher-kva.example'],
  ];
  for (const [input, server] of normalised) {
    test(`"${input}" is stored as ${server}, with PKCE from the metadata`, async () => {
      const prepared = await prepare(input);
      assert.deepEqual(prepared, { ok: true, value: { server, pkce: true } });
      assert.equal(mastodon.options!.instance({ server, pkce: true }), new URL(server).host);
    });
  }

  const internal = [
    'http://mastodon.social',
    '127.0.0.1',
    'http://127.0.0.1',
    '10.0.0.5',
    '[::1]',
    'https://[::ffff:127.0.0.1]',
    '169.254.169.254',
    'http://169.254.169.254/latest/meta-data/',
    'intranet.example',
    'localhost',
    'https://mastodon.social:8443',
  ];
  for (const input of internal) {
    test(`"${input}" is refused before anything is called, unless private instances are allowed`, async () => {
      const servers = fakeServers();
      const prepared = await prepare(input, false, servers);
      assert.equal(prepared.ok, false);
      assert.equal(!prepared.ok && prepared.failure.field, 'server_url');
      assert.deepEqual(servers.calls, [], 'no request was made');

      const allowed = await prepare(input, true);
      assert.ok(allowed.ok, JSON.stringify(!allowed.ok && allowed.failure));
    });
  }

  test('credentials in the URL are refused', async () => {
    const prepared = await prepare('https://user:pw@mastodon.social');
    assert.equal(!prepared.ok && prepared.failure.field, 'server_url');
  });

  test('a name that does not resolve is refused', async () => {
    const prepared = await prepare('nowhere.example');
    assert.equal(!prepared.ok && prepared.failure.message, 'does not resolve to any address');
  });

  test('a server before 4.3 (metadata 404) that has the apps API is Mastodon without PKCE', async () => {
    const servers = fakeServers((url) =>
      url.pathname === '/api/v1/apps/verify_credentials'
        ? Response.json({ error: 'The access token is invalid' }, { status: 401 })
        : new Response('<html>not found</html>', { status: 404 }),
    );
    assert.deepEqual(await prepare('mastodon.social', false, servers), {
      ok: true,
      value: { server: 'https://mastodon.social', pkce: false },
    });
  });

  test('metadata without S256 means no PKCE', async () => {
    const servers = fakeServers((url) =>
      Response.json({
        app_registration_endpoint: `${url.origin}/api/v1/apps`,
        code_challenge_methods_supported: ['plain'],
      }),
    );
    assert.deepEqual(await prepare('mastodon.social', false, servers), {
      ok: true,
      value: { server: 'https://mastodon.social', pkce: false },
    });
  });

  test('a server that is not Mastodon is refused', async () => {
    const servers = fakeServers(() => new Response('<html>hello</html>', { status: 404 }));
    const prepared = await prepare('mastodon.social', false, servers);
    assert.equal(prepared.ok, false);
    assert.match(!prepared.ok ? prepared.failure.message : '', /does not answer like a Mastodon server/);
  });

  test('a server that is down is refused with a message saying so', async () => {
    const servers = fakeServers(() => new Response('', { status: 503 }));
    const prepared = await prepare('mastodon.social', false, servers);
    assert.match(!prepared.ok ? prepared.failure.message : '', /could not be reached/);
  });

  test('an app the server no longer knows is seen through Doorkeeper’s WWW-Authenticate challenge', async () => {
    const options: MastodonOptions = { server: 'https://mastodon.social', pkce: true };
    const servers = fakeServers(
      () =>
        new Response(
          JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed' }),
          {
            status: 401,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'www-authenticate':
                'Bearer realm="Doorkeeper", error="invalid_client", error_description="Client authentication failed"',
            },
          },
        ),
    );
    const ctx: PlatformContext<MastodonOptions> = {
      ...context(servers.outbound, false),
      client: { clientId: 'gone', clientSecret: 'gone' },
      server: serverOf(mastodon, options)!,
      options,
    };
    assert.equal(await mastodon.registration!.stillRegistered(ctx), false);
  });
});
