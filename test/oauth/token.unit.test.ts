/**
 * The OAuth mechanics on canned responses: each client-authentication style, each platform's token-response
 * normaliser, and the classification of failures by who failed. No server, no flow: a quirk is proven here
 * without a whole connect.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorizationUrl } from '../../src/oauth/authorize.ts';
import {
  clientCredentials,
  exchangeCode,
  extensionGrant,
  refreshTokens,
  revokeToken,
} from '../../src/oauth/token.ts';
import type { AuthorizationServer } from '../../src/oauth/types.ts';
import { createOutbound } from '../../src/outbound/client.ts';
import { linkedin } from '../../src/platforms/linkedin/index.ts';
import { allPlatforms } from '../../src/platforms/registry.ts';
import { serverOf } from '../../src/platforms/types.ts';

const CLIENT = { clientId: 'the-client', clientSecret: 's3cret' };
const NOW = new Date('2026-11-25T12:00:00Z');

function server(overrides: Partial<AuthorizationServer> = {}): AuthorizationServer {
  return {
    authorizeUrl: 'https://auth.example/authorize',
    tokenUrl: 'https://auth.example/token',
    revokeUrl: 'https://auth.example/revoke',
    clientAuth: 'post',
    pkce: 'S256',
    scopeSeparator: ' ',
    ...overrides,
  };
}

interface Sent {
  url: string;
  headers: Headers;
  body: URLSearchParams;
}

/** An outbound client whose platform answers every request with `answer`, recording what was sent. */
function platform(answer: () => Response) {
  const sent: Sent[] = [];
  const outbound = createOutbound({
    retries: 0,
    fetch: async (input, init) => {
      sent.push({
        url: String(input),
        headers: new Headers(init?.headers),
        body: new URLSearchParams(String(init?.body ?? '')),
      });
      return answer();
    },
  });
  return { outbound, sent };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const OK_TOKEN = () =>
  json(200, {
    access_token: 'at-1',
    token_type: 'Bearer',
    expires_in: 3600,
    refresh_token: 'rt-1',
    scope: 'a b',
  });

function callbackWithCode() {
  return new URLSearchParams({ code: 'the-code', state: 'x' });
}

describe('client authentication at the token endpoint', () => {
  test('basic sends the client in an Authorization header, never in the body', async () => {
    const p = platform(OK_TOKEN);
    const result = await exchangeCode(
      { server: server({ clientAuth: 'basic' }), client: CLIENT, outbound: p.outbound, now: NOW },
      {
        callback: callbackWithCode(),
        redirectUri: 'https://portico.example/cb',
        codeVerifier: 'v'.repeat(43),
      },
    );
    assert.ok(result.ok);
    const sent = p.sent[0]!;
    const basic = Buffer.from(sent.headers.get('authorization')!.replace(/^Basic /, ''), 'base64').toString();
    // RFC 6749 §2.3.1: each part form-urlencoded before joining, so decoding gives the credentials back.
    assert.deepEqual(basic.split(':').map(decodeURIComponent), ['the-client', 's3cret']);
    assert.equal(sent.body.get('client_secret'), null);
    assert.equal(sent.body.get('code_verifier'), 'v'.repeat(43));
    assert.equal(sent.body.get('redirect_uri'), 'https://portico.example/cb');
  });

  test('post sends client_id and client_secret as form fields', async () => {
    const p = platform(OK_TOKEN);
    await refreshTokens({ server: server(), client: CLIENT, outbound: p.outbound, now: NOW }, 'rt-0');
    const sent = p.sent[0]!;
    assert.equal(sent.headers.get('authorization'), null);
    assert.equal(sent.body.get('client_id'), 'the-client');
    assert.equal(sent.body.get('client_secret'), 's3cret');
    assert.equal(sent.body.get('grant_type'), 'refresh_token');
    assert.equal(sent.body.get('refresh_token'), 'rt-0');
  });

  test('a renamed client-id parameter is used for the token, refresh and revoke requests (TikTok’s client_key)', async () => {
    const renamed = server({ clientIdParam: 'client_key' });
    const p = platform(OK_TOKEN);
    await exchangeCode(
      { server: renamed, client: CLIENT, outbound: p.outbound, now: NOW },
      { callback: callbackWithCode(), redirectUri: 'https://portico.example/cb', codeVerifier: undefined },
    );
    await refreshTokens({ server: renamed, client: CLIENT, outbound: p.outbound, now: NOW }, 'rt-0');
    const r = platform(() => new Response(null, { status: 200 }));
    await revokeToken({ server: renamed, client: CLIENT, outbound: r.outbound }, 'at-1', 'access_token');
    for (const sent of [...p.sent, ...r.sent]) {
      assert.equal(sent.body.get('client_key'), 'the-client', sent.url);
      assert.equal(sent.body.get('client_id'), null, sent.url);
      assert.equal(sent.body.get('client_secret'), 's3cret');
    }
    const url = await authorizationUrl(renamed, {
      clientId: 'the-client',
      redirectUri: 'https://p/cb',
      state: 's',
      scopes: ['a', 'b'],
    });
    assert.equal(url.searchParams.get('client_key'), 'the-client');
    assert.equal(url.searchParams.get('client_id'), null);
  });

  test('a function puts the credentials wherever the platform wants them', async () => {
    const custom = server({
      clientAuth: (client, body, headers) => {
        headers.set('x-app', client.clientId);
        body.set('app_secret', client.clientSecret);
      },
    });
    const p = platform(OK_TOKEN);
    await clientCredentials({ server: custom, client: CLIENT, outbound: p.outbound, now: NOW }, 'read');
    assert.equal(p.sent[0]!.headers.get('x-app'), 'the-client');
    assert.equal(p.sent[0]!.body.get('app_secret'), 's3cret');
    assert.equal(p.sent[0]!.body.get('scope'), 'read');
    assert.equal(p.sent[0]!.body.get('grant_type'), 'client_credentials');
  });
});

describe('reading token responses', () => {
  test('expiry, refresh expiry and granted scopes are read; the other fields stay in a non-enumerable raw', async () => {
    const p = platform(() =>
      json(200, {
        access_token: 'at',
        token_type: 'bearer',
        expires_in: 86400,
        refresh_token: 'rt',
        refresh_expires_in: 31536000,
        scope: 'user.info.basic,video.publish',
        open_id: 'oid-1',
      }),
    );
    const result = await refreshTokens(
      { server: server({ grantedScopeSeparator: ',' }), client: CLIENT, outbound: p.outbound, now: NOW },
      'rt-0',
    );
    assert.ok(result.ok);
    const tokens = result.value;
    assert.equal(tokens.expiresAt?.toISOString(), '2026-11-26T12:00:00.000Z');
    assert.equal(tokens.refreshExpiresAt?.toISOString(), '2027-11-25T12:00:00.000Z');
    assert.deepEqual(tokens.scopes, ['user.info.basic', 'video.publish']);
    assert.equal(tokens.raw?.open_id, 'oid-1');
    assert.equal(tokens.raw?.access_token, undefined, 'raw holds no token');
    assert.ok(!JSON.stringify(tokens).includes('oid-1'), 'raw never reaches a serialized TokenSet');
  });

  test('LinkedIn: a response without token_type and with an id_token is accepted, scope read comma-separated', async () => {
    const p = platform(() =>
      json(200, {
        access_token: 'at',
        expires_in: 5184000,
        scope: 'openid,profile,w_member_social',
        id_token: 'x.y.z',
      }),
    );
    const result = await exchangeCode(
      { server: serverOf(linkedin, {})!, client: CLIENT, outbound: p.outbound, now: NOW },
      { callback: callbackWithCode(), redirectUri: 'https://p/cb', codeVerifier: undefined },
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.failure));
    assert.deepEqual(result.value.scopes, ['openid', 'profile', 'w_member_social']);
  });

  test('the same LinkedIn response without the normaliser is refused as garbled: the normaliser is what accepts it', async () => {
    const p = platform(() => json(200, { access_token: 'at', expires_in: 5184000 }));
    const bare = { ...serverOf(linkedin, {})!, normalizeTokenResponse: undefined };
    const result = await exchangeCode(
      { server: bare, client: CLIENT, outbound: p.outbound, now: NOW },
      { callback: callbackWithCode(), redirectUri: 'https://p/cb', codeVerifier: undefined },
    );
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'garbled');
  });

  test('every module’s normaliser leaves a standard success response usable', async () => {
    for (const module of allPlatforms()) {
      const s = serverOf(module, { server: 'https://mastodon.social', pkce: true });
      if (!s?.normalizeTokenResponse) continue;
      const p = platform(OK_TOKEN);
      const result = await extensionGrant(
        { server: s, client: CLIENT, outbound: p.outbound, now: NOW },
        'x',
        {},
      );
      assert.ok(result.ok, `${module.id}: ${JSON.stringify(!result.ok && result.failure)}`);
      assert.equal(result.value.accessToken, 'at-1');
    }
  });
});

describe('failures, classified by who failed', () => {
  const call = (answer: () => Response) => {
    const p = platform(answer);
    return refreshTokens({ server: server(), client: CLIENT, outbound: p.outbound, now: NOW }, 'rt');
  };

  test('an RFC 6749 error is a refusal with the platform’s code', async () => {
    const result = await call(() =>
      json(400, { error: 'invalid_grant', error_description: 'Token is revoked' }),
    );
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'refused');
    assert.equal(result.failure.error, 'invalid_grant');
    assert.match(result.failure.message, /Token is revoked/);
  });

  for (const status of [500, 502, 503, 429]) {
    test(`HTTP ${status} means the platform is unavailable`, async () => {
      const result = await call(() => new Response('busy', { status }));
      assert.ok(!result.ok);
      assert.equal(result.failure.kind, 'unavailable');
      assert.equal(result.failure.status, status);
    });
  }

  test('a success that is not JSON is garbled', async () => {
    const result = await call(() => new Response('<html>hello</html>', { status: 200 }));
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'garbled');
  });

  test('no answer at all means unavailable', async () => {
    const outbound = createOutbound({
      retries: 0,
      fetch: async () => {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
        });
      },
    });
    const result = await refreshTokens({ server: server(), client: CLIENT, outbound, now: NOW }, 'rt');
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'unavailable');
  });

  test('a revocation answered 5xx is unavailable, not a success', async () => {
    const p = platform(() => new Response('', { status: 503 }));
    const result = await revokeToken(
      { server: server(), client: CLIENT, outbound: p.outbound },
      'at',
      'access_token',
    );
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'unavailable');
  });

  // A normaliser for a platform that answers everything with HTTP 200 and says what happened in the body.
  const saysInBody = server({
    normalizeTokenResponse: ({ status, body }) => {
      if (typeof body.error !== 'string') return { status, body };
      return { status: body.error === 'server_error' ? 503 : 400, body };
    },
  });

  test('an outage the normaliser reveals in a 200 is unavailable, not garbled', async () => {
    const p = platform(() => json(200, { error: 'server_error' }));
    const result = await refreshTokens(
      { server: saysInBody, client: CLIENT, outbound: p.outbound, now: NOW },
      'rt',
    );
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'unavailable');
  });

  test('a revocation refused in a 200 body is refused; an empty 200 is a success', async () => {
    const refused = platform(() => json(200, { error: 'invalid_client', error_description: 'bad key' }));
    const result = await revokeToken(
      { server: saysInBody, client: CLIENT, outbound: refused.outbound },
      'at',
      'access_token',
    );
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'refused');
    assert.equal(result.failure.error, 'invalid_client');
    const empty = platform(() => new Response(null, { status: 200 }));
    const ok = await revokeToken(
      { server: saysInBody, client: CLIENT, outbound: empty.outbound },
      'at',
      'access_token',
    );
    assert.ok(ok.ok);
  });

  test('a 401 whose error is in a WWW-Authenticate challenge (Doorkeeper) is a refusal with that error', async () => {
    const p = platform(
      () =>
        new Response(JSON.stringify({ error: 'invalid_client', error_description: 'unknown client' }), {
          status: 401,
          headers: {
            'content-type': 'application/json',
            'www-authenticate':
              'Bearer realm="Doorkeeper", error="invalid_client", error_description="unknown client"',
          },
        }),
    );
    const result = await clientCredentials({
      server: server(),
      client: CLIENT,
      outbound: p.outbound,
      now: NOW,
    });
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'refused');
    assert.equal(result.failure.error, 'invalid_client');
  });
});
