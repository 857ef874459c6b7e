import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectFixture } from '../support/connect-fixture.ts';
import {
  connectThroughSandbox,
  createConnectLink,
  followCallback,
  pollConnect,
} from '../support/connect-flow.ts';
import { submitConsent } from '../support/consent.ts';
import { startTestPortico } from '../support/portico.ts';
import { BACKENDS } from '../support/storage.ts';

/** The platforms this issue proves the engine on; each goes through every engine-level failure. */
const PLATFORMS = ['twitter', 'facebook', 'linkedin'];

for (const backend of BACKENDS) {
  describe(`connect engine (${backend})`, () => {
    let clock = Date.now();
    const fx = connectFixture(backend, {}, { now: () => new Date(clock) });
    const json = async (res: Response) => (await res.json()) as any;

    for (const platform of PLATFORMS) {
      test(`${platform}: a replayed callback fails cleanly and never creates a second account`, async () => {
        const flow = await connectThroughSandbox(fx.portico, platform, {
          body: { return_url: `${fx.app.url}/r` },
        });
        assert.ok(Number(flow.location?.searchParams.get('connected')) >= 1, String(flow.location));
        const count = async () =>
          (await fx.portico.runtime.db.selectFrom('accounts').select('id').execute()).length;
        const before = await count();
        const replay = await followCallback(flow.callbackUrl);
        assert.equal(replay.location?.searchParams.get('error'), 'session_used');
        assert.equal(replay.location?.searchParams.get('platform'), platform);
        assert.equal(await count(), before);
        assert.equal(
          (await pollConnect(fx.portico, flow.link.state_token)).status,
          'connected',
          'the first outcome stands',
        );
      });
    }

    test('two callbacks racing on one state connect once', async () => {
      const link = await createConnectLink(fx.portico, 'twitter', { return_url: `${fx.app.url}/r` });
      const callbackUrl = await submitConsent(link.connect_url);
      const results = await Promise.all([followCallback(callbackUrl), followCallback(callbackUrl)]);
      const flags = results.map(
        (r) => r.location?.searchParams.get('connected') ?? r.location?.searchParams.get('error'),
      );
      assert.deepEqual([...flags].sort(), ['1', 'session_used']);
    });

    test('a forged state gets a clear error page and no redirect', async () => {
      const res = await fetch(`${fx.portico.url}/oauth/callback/twitter?code=abc&state=cst_forged`, {
        redirect: 'manual',
      });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await res.text();
      assert.match(html, /invalid_state/);
      const missing = await fetch(`${fx.portico.url}/oauth/callback/twitter?code=abc`, {
        redirect: 'manual',
      });
      assert.equal(missing.status, 400);
    });

    test('a state presented at another platform’s callback is refused', async () => {
      const link = await createConnectLink(fx.portico, 'twitter');
      const res = await fetch(
        `${fx.portico.url}/oauth/callback/facebook?code=abc&state=${link.state_token}`,
        {
          redirect: 'manual',
        },
      );
      assert.equal(res.status, 400);
      assert.equal(
        (await pollConnect(fx.portico, link.state_token)).status,
        'pending',
        'the real session is untouched',
      );
    });

    test('a callback with the right state but no code fails the session with platform_error', async () => {
      const link = await createConnectLink(fx.portico, 'twitter', { return_url: `${fx.app.url}/r` });
      const res = await followCallback(`${fx.portico.url}/oauth/callback/twitter?state=${link.state_token}`);
      assert.equal(res.location?.searchParams.get('error'), 'platform_error');
      assert.equal((await pollConnect(fx.portico, link.state_token)).status, 'failed');
    });

    test('an unknown platform in an account filter is 422 UNSUPPORTED_PLATFORM', async () => {
      const res = await fx.portico.api('/v1/social/accounts?platform=myspace');
      assert.equal(res.status, 422);
      assert.equal((await json(res)).error.code, 'UNSUPPORTED_PLATFORM');
    });

    for (const platform of PLATFORMS) {
      test(`${platform}: a session older than 15 minutes expires: polling says so and its callback fails`, async () => {
        const link = await createConnectLink(fx.portico, platform, { return_url: `${fx.app.url}/r` });
        const callbackUrl = await submitConsent(link.connect_url);
        clock += 16 * 60 * 1000;
        try {
          const polled = await pollConnect(fx.portico, link.state_token);
          assert.equal(polled.status, 'expired');
          assert.equal(polled.error.code, 'session_expired');
          const res = await followCallback(callbackUrl);
          assert.equal(res.location?.searchParams.get('error'), 'session_expired');
          assert.equal(res.location?.searchParams.get('platform'), platform);
        } finally {
          clock = Date.now();
        }
      });
    }

    test('without a return URL the user sees a plain page saying what happened', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'twitter');
      assert.equal(flow.response.status, 200);
      assert.match(flow.response.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await flow.response.text(), /connected/i);
      const denied = await connectThroughSandbox(fx.portico, 'twitter', { decision: 'deny' });
      const html = await denied.response.text();
      assert.match(html, /access_denied/);
      assert.match(html, /go back to the app/i);
      assert.ok(!/<script/i.test(html));
      for (const page of [flow.response, denied.response]) {
        assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
        assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      }
    });

    test('a pending session polls as pending', async () => {
      const link = await createConnectLink(fx.portico, 'twitter');
      const polled = await pollConnect(fx.portico, link.state_token);
      assert.equal(polled.status, 'pending');
      assert.equal(polled.platform, 'twitter');
      assert.equal(polled.expires_at, link.expires_at);
      assert.equal(Date.parse(link.expires_at) - clock, 15 * 60 * 1000);
    });

    test('an unknown state token polls as 404', async () => {
      const res = await fx.portico.api('/v1/social/connect/cst_nope');
      assert.equal(res.status, 404);
      assert.equal((await json(res)).error.code, 'NOT_FOUND');
    });

    test('an unknown platform is 422 UNSUPPORTED_PLATFORM listing the supported ones', async () => {
      const res = await fx.portico.api('/v1/social/connect/myspace', { method: 'POST', json: {} });
      assert.equal(res.status, 422);
      const body = await json(res);
      assert.equal(body.error.code, 'UNSUPPORTED_PLATFORM');
      assert.ok(body.error.details.supported.includes('twitter'));
      assert.ok(body.error.details.supported.includes('facebook'));
      assert.ok(body.error.details.supported.includes('linkedin'));
    });

    test('platform aliases and spellings are accepted', async () => {
      const res = await fx.portico.api('/v1/social/connect/X', { method: 'POST', json: {} });
      assert.equal(res.status, 201);
      assert.equal((await json(res)).data.platform, 'twitter');
    });

    test('return_url must be an absolute http(s) URL, naming the field', async () => {
      for (const bad of [
        '/relative',
        'javascript:alert(1)',
        'ftp://x.example/',
        'https://user:pw@x.example/',
      ]) {
        const res = await fx.portico.api('/v1/social/connect/twitter', {
          method: 'POST',
          json: { return_url: bad },
        });
        assert.equal(res.status, 422, bad);
        const body = await json(res);
        assert.equal(body.error.code, 'VALIDATION_FAILED');
        assert.equal(body.error.details.field, 'return_url');
      }
    });

    test('return_url must be on the team’s allowed origins when it has some', async () => {
      const team = (
        await json(
          await fx.portico.api('/v1/teams', {
            method: 'POST',
            json: { name: 'Strict', allowed_origins: [fx.app.url] },
          }),
        )
      ).data;
      const refused = await fx.portico.api('/v1/social/connect/twitter', {
        method: 'POST',
        json: { team_id: team.id, return_url: 'https://elsewhere.example/back' },
      });
      assert.equal(refused.status, 422);
      assert.equal((await json(refused)).error.details.field, 'return_url');
      const allowed = await fx.portico.api('/v1/social/connect/twitter', {
        method: 'POST',
        json: { team_id: team.id, return_url: `${fx.app.url}/back` },
      });
      assert.equal(allowed.status, 201);
    });

    test('metadata is limited to 20 short string values', async () => {
      const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
      const tooMany = await fx.portico.api('/v1/social/connect/twitter', {
        method: 'POST',
        json: { metadata: many },
      });
      assert.equal(tooMany.status, 422);
      assert.equal((await json(tooMany)).error.details.field, 'metadata');
      const notString = await fx.portico.api('/v1/social/connect/twitter', {
        method: 'POST',
        json: { metadata: { id: 42 } },
      });
      assert.equal(notString.status, 422);
      assert.equal((await json(notString)).error.details.field, 'metadata.id');
    });

    test('accounts can be listed by metadata', async () => {
      await connectThroughSandbox(fx.portico, 'twitter', { body: { metadata: { customer_id: 'cust-777' } } });
      const found = await json(await fx.portico.api('/v1/social/accounts?metadata.customer_id=cust-777'));
      assert.equal(found.data.length, 1);
      assert.equal(found.data[0].metadata.customer_id, 'cust-777');
      const none = await json(await fx.portico.api('/v1/social/accounts?metadata.customer_id=nobody'));
      assert.equal(none.data.length, 0);
      const bad = await fx.portico.api('/v1/social/accounts?colour=red');
      assert.equal(bad.status, 422);
    });

    test('account lists page with a cursor and filter by status', async () => {
      await connectThroughSandbox(fx.portico, 'facebook');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await json(
          await fx.portico.api(`/v1/social/accounts?limit=1${cursor ? `&cursor=${cursor}` : ''}`),
        );
        assert.ok(page.data.length <= 1);
        seen.push(...page.data.map((a: any) => a.id));
        cursor = page.meta.next_cursor;
      } while (cursor);
      const all = await json(await fx.portico.api('/v1/social/accounts?limit=100'));
      assert.deepEqual(
        seen,
        all.data.map((a: any) => a.id),
      );
      assert.ok(seen.length >= 2);
      const reauth = await json(await fx.portico.api('/v1/social/accounts?status=needs_reauth'));
      assert.ok(reauth.data.every((a: any) => a.status === 'needs_reauth'));
    });

    test('headless connect turned off for a team is 404 NOT_ENABLED', async () => {
      const team = (
        await json(
          await fx.portico.api('/v1/teams', {
            method: 'POST',
            json: { name: 'Off', headless_connect: false },
          }),
        )
      ).data;
      const res = await fx.portico.api('/v1/social/connect/twitter', {
        method: 'POST',
        json: { team_id: team.id },
      });
      assert.equal(res.status, 404);
      assert.equal((await json(res)).error.code, 'NOT_ENABLED');
    });

    test('creating a link needs social:write', async () => {
      const reader = (
        await json(
          await fx.portico.api('/v1/api-keys', {
            method: 'POST',
            json: { name: 'r', scopes: ['social:read'] },
          }),
        )
      ).data.key;
      const res = await fx.portico.api('/v1/social/connect/twitter', {
        key: reader,
        method: 'POST',
        json: {},
      });
      assert.equal(res.status, 403);
      assert.equal((await json(res)).error.details.required_scope, 'social:write');
    });

    test('a key limited to another team cannot poll or see this team’s connects and accounts', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'twitter');
      const account = (await pollConnect(fx.portico, flow.link.state_token)).accounts[0];
      const other = (
        await json(await fx.portico.api('/v1/teams', { method: 'POST', json: { name: 'Other' } }))
      ).data;
      const key = (
        await json(
          await fx.portico.api('/v1/api-keys', {
            method: 'POST',
            json: { name: 'o', scopes: ['social:write'], team_id: other.id },
          }),
        )
      ).data.key;
      assert.equal(
        (await fx.portico.api(`/v1/social/connect/${flow.link.state_token}`, { key })).status,
        404,
      );
      assert.equal((await fx.portico.api(`/v1/social/accounts/${account.id}`, { key })).status, 404);
      assert.equal(
        (await fx.portico.api(`/v1/social/accounts/${account.id}/credentials`, { key })).status,
        404,
      );
      assert.equal((await json(await fx.portico.api('/v1/social/accounts', { key }))).data.length, 0);
    });

    test('a paused account is refused credentials with 409 ACCOUNT_PAUSED', async () => {
      const flow = await connectThroughSandbox(fx.portico, 'twitter');
      const account = (await pollConnect(fx.portico, flow.link.state_token)).accounts[0];
      await fx.portico.runtime.db
        .updateTable('accounts')
        .set({ paused: true })
        .where('id', '=', account.id)
        .execute();
      const res = await fx.portico.api(`/v1/social/accounts/${account.id}/credentials`);
      assert.equal(res.status, 409);
      assert.equal((await json(res)).error.code, 'ACCOUNT_PAUSED');
    });
  });
}

describe('connect engine switches', () => {
  test('PORTICO_HEADLESS_CONNECT=false turns headless connect off: 404 NOT_ENABLED', async () => {
    const portico = await startTestPortico('pglite', { PORTICO_HEADLESS_CONNECT: 'false' });
    try {
      const res = await portico.api('/v1/social/connect/twitter', { method: 'POST', json: {} });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as any).error.code, 'NOT_ENABLED');
    } finally {
      await portico.close();
    }
  });

  test('a token endpoint that hangs fails with platform_unavailable after the outbound timeout', async () => {
    const portico = await startTestPortico('pglite', { PORTICO_OUTBOUND_TIMEOUT_MS: '300' });
    try {
      const { addSandboxUser } = await import('../support/consent.ts');
      const slow = await addSandboxUser(`${portico.url}/sandbox`, {
        platform: 'twitter',
        name: 'Slow',
        scenario: { tokenEndpoint: 'hang' },
      });
      const flow = await connectThroughSandbox(portico, 'twitter', {
        user: slow.id,
        body: { return_url: 'http://127.0.0.1:9/back' },
      });
      assert.equal(flow.location?.searchParams.get('error'), 'platform_unavailable');
    } finally {
      await portico.close();
    }
  });

  test('public routes are rate limited per client IP', async () => {
    const portico = await startTestPortico('pglite', { PORTICO_RATE_LIMIT_PUBLIC: '2' });
    try {
      const hit = () => fetch(`${portico.url}/oauth/callback/twitter?state=x&code=y`, { redirect: 'manual' });
      assert.equal((await hit()).status, 400);
      assert.equal((await hit()).status, 400);
      const limited = await hit();
      assert.equal(limited.status, 429);
      assert.ok(limited.headers.get('retry-after'));
    } finally {
      await portico.close();
    }
  });
});
