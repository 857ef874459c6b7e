import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSandboxServer } from '../../src/sandbox/index.ts';
import { connectThroughSandbox, pollConnect } from '../support/connect-flow.ts';
import { freePort, startTestPortico, type TestPortico } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

/**
 * Live mode against a stand-in platform: the simulator runs on its own port, knows only the team's own
 * OAuth app, and Portico reaches it through PORTICO_HOST_OVERRIDES, as it would reach any faithful stand-in.
 */
for (const backend of BACKENDS) {
  describe(`provider credentials in live mode (${backend})`, () => {
    let portico: TestPortico;
    let sandbox: Awaited<ReturnType<typeof startSandboxServer>>;
    before(async () => {
      const port = await freePort();
      sandbox = await startSandboxServer({
        clients: [
          {
            platform: 'twitter',
            clientId: 'acme-x-app',
            clientSecret: 'acme-x-secret',
            redirectUris: [`http://127.0.0.1:${port}/oauth/callback/twitter`],
          },
          { platform: 'linkedin', clientId: 'env-li-app', clientSecret: 'env-li-secret' },
        ],
      });
      portico = await startTestPortico(
        backend,
        {
          PORTICO_MODE: 'live',
          PORTICO_HOST_OVERRIDES: JSON.stringify(sandbox.overrides),
          PORTICO_LINKEDIN_CLIENT_ID: 'env-li-app',
          PORTICO_LINKEDIN_CLIENT_SECRET: 'env-li-secret',
        },
        { port },
      );
    });
    after(async () => {
      await portico.close();
      await sandbox.close();
    });
    const json = async (res: Response) => (await res.json()) as any;

    test('live mode uses pk_live_ keys and mounts no simulator', async () => {
      assert.match(portico.adminKey, /^pk_live_/);
      const control = await fetch(`${portico.url}/sandbox/_control/users?platform=twitter`);
      assert.equal(control.status, 404);
    });

    test('a platform without an OAuth app is 422 PROVIDER_NOT_CONFIGURED', async () => {
      const res = await portico.api('/v1/social/connect/facebook', { method: 'POST', json: {} });
      assert.equal(res.status, 422);
      assert.equal((await json(res)).error.code, 'PROVIDER_NOT_CONFIGURED');
      const shown = await json(await portico.api('/v1/providers/facebook'));
      assert.equal(shown.data.configured, false);
      assert.equal(shown.data.callback_url, `${portico.url}/oauth/callback/facebook`);
    });

    test('a team’s own OAuth app connects through the stand-in, and its secret never comes back', async () => {
      const put = await portico.api('/v1/providers/twitter', {
        method: 'PUT',
        json: { client_id: 'acme-x-app', client_secret: 'acme-x-secret' },
      });
      assert.equal(put.status, 200);
      const body = await json(put);
      assert.deepEqual(
        { configured: body.data.configured, source: body.data.source, client_id: body.data.client_id },
        { configured: true, source: 'team', client_id: 'acme-x-app' },
      );
      assert.ok(!JSON.stringify(body).includes('acme-x-secret'));
      const rows = await portico.runtime.db.selectFrom('provider_credentials').selectAll().execute();
      assert.ok(!JSON.stringify(rows).includes('acme-x-secret'), 'the secret is encrypted at rest');

      const flow = await connectThroughSandbox(portico, 'twitter');
      assert.ok(flow.link.connect_url.startsWith(sandbox.url), 'the authorize URL points at the stand-in');
      assert.equal(flow.response.status, 200);
      assert.equal((await pollConnect(portico, flow.link.state_token)).status, 'connected');
    });

    test('environment credentials apply when the team has none', async () => {
      const shown = await json(await portico.api('/v1/providers/linkedin'));
      assert.equal(shown.data.source, 'environment');
      const flow = await connectThroughSandbox(portico, 'linkedin');
      assert.equal((await pollConnect(portico, flow.link.state_token)).status, 'connected');
    });

    test('a wrong client secret fails the connect with platform_error', async () => {
      await portico.api('/v1/providers/twitter', {
        method: 'PUT',
        json: { client_id: 'acme-x-app', client_secret: 'wrong' },
      });
      const flow = await connectThroughSandbox(portico, 'twitter', {
        body: { return_url: 'http://127.0.0.1:9/back' },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_error');
      await portico.api('/v1/providers/twitter', {
        method: 'PUT',
        json: { client_id: 'acme-x-app', client_secret: 'acme-x-secret' },
      });
    });

    test('deleting the team’s app falls back to nothing configured', async () => {
      assert.equal((await portico.api('/v1/providers/twitter', { method: 'DELETE' })).status, 200);
      const res = await portico.api('/v1/social/connect/twitter', { method: 'POST', json: {} });
      assert.equal((await json(res)).error.code, 'PROVIDER_NOT_CONFIGURED');
      assert.equal((await portico.api('/v1/providers/twitter', { method: 'DELETE' })).status, 404);
    });

    test('provider endpoints need admin and a known platform', async () => {
      const writer = (
        await json(
          await portico.api('/v1/api-keys', {
            method: 'POST',
            json: { name: 'w', scopes: ['social:write'] },
          }),
        )
      ).data.key;
      assert.equal((await portico.api('/v1/providers/twitter', { key: writer })).status, 403);
      const unknown = await portico.api('/v1/providers/myspace');
      assert.equal((await json(unknown)).error.code, 'UNSUPPORTED_PLATFORM');
      const missing = await portico.api('/v1/providers/twitter', { method: 'PUT', json: { client_id: 'x' } });
      assert.equal((await json(missing)).error.details.field, 'client_secret');
    });
  });
}
