/**
 * Issue 12: the endpoints API. Every field validated with a clear error naming it; private, loopback and
 * link-local hosts refused at creation and, on the address a delivery connects to, at delivery time (a
 * name whose DNS answer changed); the secret shown once and kept encrypted; scopes and team limits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectFixture } from '../support/connect-fixture.ts';
import { BACKENDS } from '../support/storage.ts';
import { api, startReceiver, until } from './support.ts';

for (const backend of BACKENDS) {
  describe(`webhook endpoints (${backend})`, () => {
    // A name the tests control: public at first, then pointing at this machine.
    const dns = new Map<string, string>([['hooks.example.test', '93.184.216.34']]);
    const fx = connectFixture(
      backend,
      { PORTICO_WEBHOOKS_POLL_MS: '20', PORTICO_WEBHOOKS_TIMEOUT_MS: '1000' },
      {
        resolve: async (host) => {
          const address = dns.get(host);
          if (!address) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
          return [{ address, family: 4 }];
        },
      },
    );
    const create = (json: Record<string, unknown>, key?: string) =>
      api(fx, '/v1/webhooks', { method: 'POST', json, ...(key ? { key } : {}) });

    test('invalid fields are refused with 422 naming the field', async () => {
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{}, 'url', /url/],
        [{ url: 'not a url' }, 'url', /absolute http\(s\) URL/],
        [{ url: 'ftp://hooks.example.test/x' }, 'url', /http or https/],
        [{ url: 'https://user:pw@hooks.example.test/x' }, 'url', /user name or password/],
        [{ url: 'https://hooks.example.test/x#frag' }, 'url', /fragment/],
        [
          { url: 'https://hooks.example.test/x', events: ['account.nope'] },
          'events',
          /"account.nope" is not an event of the portico style/,
        ],
        [
          { url: 'https://hooks.example.test/x', events: ['social-account.created'] },
          'events',
          /not an event of the portico style/,
        ],
        [
          { url: 'https://hooks.example.test/x', payload_style: 'hosted', events: ['account.connected'] },
          'events',
          /not an event of the hosted style/,
        ],
        [{ url: 'https://hooks.example.test/x', payload_style: 'json' }, 'payload_style', /./],
        [{ url: 'https://hooks.example.test/x', secret: 'mine' }, 'secret', /./],
        [{ url: 'https://hooks.example.test/x', team_id: '' }, 'team_id', /./],
        [
          { url: 'https://hooks.example.test/x', all_teams: true, team_id: fx.portico.teamId },
          'all_teams',
          /team_id/,
        ],
      ];
      for (const [body, field, message] of cases) {
        const res = await create(body);
        assert.equal(res.status, 422, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'VALIDATION_FAILED');
        assert.equal(res.body.error.details.field, field, JSON.stringify(res.body));
        assert.match(res.body.error.message, message);
      }
    });

    test('loopback, private, link-local and metadata hosts are refused at creation, by name or by address', async () => {
      dns.set('internal.example.test', '10.1.2.3');
      for (const url of [
        'http://127.0.0.1:9/hook',
        'http://localhost/hook',
        'http://[::1]/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://192.168.1.10/hook',
        'https://internal.example.test/hook',
      ]) {
        const res = await create({ url });
        assert.equal(res.status, 422, url);
        assert.equal(res.body.error.details.field, 'url');
        assert.match(res.body.error.message, /not on a public address|private/, url);
      }
      const unknown = await create({ url: 'https://nowhere.example.test/hook' });
      assert.match(unknown.body.error.message, /does not resolve/);
    });

    test('a name that later resolves to this machine is refused at delivery time; nothing reaches it', async () => {
      const receiver = await startReceiver();
      try {
        const port = new URL(receiver.url).port;
        dns.set('hooks.example.test', '93.184.216.34');
        const created = await create({ url: `http://hooks.example.test:${port}/rebound` });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        dns.set('hooks.example.test', '127.0.0.1');
        assert.equal(
          (await api(fx, `/v1/webhooks/${created.body.data.id}/test`, { method: 'POST' })).status,
          202,
        );
        const attempt = await until('the refused attempt', async () => {
          const [delivery] = (await api(fx, `/v1/webhooks/${created.body.data.id}/deliveries`)).body.data;
          return delivery?.attempts > 0 && delivery;
        });
        assert.match(attempt.error, /refused: hooks\.example\.test resolves to 127\.0\.0\.1/);
        assert.equal(attempt.response_status, null);
        assert.equal(receiver.received.length, 0, 'nothing was sent to the private address');
        await api(fx, `/v1/webhooks/${created.body.data.id}`, { method: 'DELETE' });
      } finally {
        dns.set('hooks.example.test', '93.184.216.34');
        await receiver.close();
      }
    });

    test('the secret is shown once, stored encrypted, and read back nowhere', async () => {
      const created = await create({ url: 'https://hooks.example.test/secret', description: 'CRM' });
      assert.equal(created.status, 201);
      const { id, secret } = created.body.data;
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      const shown = await api(fx, `/v1/webhooks/${id}`);
      assert.equal(shown.body.data.secret, undefined);
      assert.equal(shown.body.data.description, 'CRM');
      const listed = await api(fx, '/v1/webhooks');
      assert.ok(!JSON.stringify(listed.body).includes(secret));
      const row = await fx.portico.runtime.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(secret.slice(6, 30)), 'not stored in the clear');
      const changed = await api(fx, `/v1/webhooks/${id}`, {
        method: 'PATCH',
        json: { events: ['account.paused'], enabled: false },
      });
      assert.deepEqual([changed.body.data.events, changed.body.data.enabled], [['account.paused'], false]);
      assert.equal((await api(fx, `/v1/webhooks/${id}`, { method: 'DELETE' })).status, 200);
      assert.equal((await api(fx, `/v1/webhooks/${id}`)).status, 404);
      assert.equal((await api(fx, '/v1/webhooks/whk_nope')).status, 404);
    });

    test('webhooks:write is required; a team-limited key sees and makes only its team’s endpoints', async () => {
      const key = async (body: Record<string, unknown>) =>
        (await api(fx, '/v1/api-keys', { method: 'POST', json: body })).body.data.key as string;
      const reader = await key({ name: 'reader', scopes: ['social:read'] });
      const denied = await create({ url: 'https://hooks.example.test/a' }, reader);
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.details.required_scope, 'webhooks:write');

      const other = (await api(fx, '/v1/teams', { method: 'POST', json: { name: 'Other' } })).body.data.id;
      const mine = await key({ name: 'team hooks', scopes: ['webhooks:write'], team_id: other });
      const made = await create({ url: 'https://hooks.example.test/team' }, mine);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.data.team_id, other);
      const everyTeam = await create({ url: 'https://hooks.example.test/all', all_teams: true }, mine);
      assert.equal(everyTeam.status, 403);
      assert.equal(everyTeam.body.error.code, 'KEY_LIMITED_TO_TEAM');
      const orgWide = await create({ url: 'https://hooks.example.test/org' });
      const seen = (await api(fx, '/v1/webhooks', { key: mine })).body.data.map((e: any) => e.id);
      assert.deepEqual(seen, [made.body.data.id]);
      assert.equal((await api(fx, `/v1/webhooks/${orgWide.body.data.id}`, { key: mine })).status, 404);
      assert.equal(
        (await api(fx, `/v1/webhooks/${orgWide.body.data.id}`, { method: 'DELETE', key: mine })).status,
        404,
      );
    });
  });
}

describe('webhook endpoints in live mode', () => {
  const fx = connectFixture('pglite', { PORTICO_WEBHOOKS_ALLOW_HTTP: 'false' });
  test('an http URL is refused unless allowed', async () => {
    const res = await api(fx, '/v1/webhooks', { method: 'POST', json: { url: 'http://93.184.216.34/hook' } });
    assert.equal(res.status, 422);
    assert.match(res.body.error.message, /must be an https URL/);
  });
});
