/**
 * The hosted-portal API (`/api/v1/...`) answers every error in that product's shape:
 * `{statusCode, message, error, issues: [{code, message, path}]}`, bad input as 400. Its real routes are
 * tested through that product's SDK in `test/hosted/`; this fixture route, registered through the same app
 * assembly as every API route (API keys, scopes, rate limits, idempotency, the one error handler), keeps
 * the framework's error paths (JSON, sizes, content types, methods, rate limits) apart from any route's logic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { createApiKey } from '../../src/apikeys/keys.ts';
import { loadConfig } from '../../src/config/config.ts';
import { generateKeySpec } from '../../src/crypto/keyring.ts';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/http/logging.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { bootstrapIfEmpty } from '../../src/teams/bootstrap.ts';
import { openTestStorage } from '../support/storage.ts';

const PATH = '/api/v1/social-account/fixture';

const fixtureRoute = (): FastifyPluginAsync => async (api) => {
  api.post(
    PATH,
    {
      config: { scope: 'social:write' },
      schema: {
        body: Type.Object(
          {
            teamId: Type.String({ minLength: 1 }),
            redirectUrl: Type.String({ format: 'uri' }),
            socialAccountTypes: Type.Array(Type.String(), { minItems: 1 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({ received: request.body }),
  );
};

describe('hosted-portal API error shape', () => {
  let runtime: Runtime;
  let app: FastifyInstance;
  let url: string;
  let adminKey: string;
  let readOnlyKey: string;

  before(async () => {
    const config = loadConfig({
      PORTICO_ENCRYPTION_KEYS: generateKeySpec('t'),
      PORTICO_LOG_LEVEL: 'silent',
      PORTICO_RATE_LIMIT_API: '30',
    });
    runtime = await createRuntime(config, createLogger('silent'), {
      storage: await openTestStorage('pglite'),
    });
    const first = await bootstrapIfEmpty(runtime.db, 'sandbox');
    adminKey = first!.adminKey;
    readOnlyKey = (
      await createApiKey(runtime.db, {
        organizationId: first!.organizationId,
        name: 'read only',
        scopes: ['social:read'],
        mode: 'sandbox',
      })
    ).key;
    app = await buildApp(runtime, { api: [fixtureRoute] });
    url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('[::1]', '127.0.0.1');
  });
  after(async () => {
    await app.close();
    await runtime.storage.close();
  });

  function post(init: { key?: string | null; body?: string; contentType?: string; method?: string }) {
    const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/json' };
    const key = init.key === undefined ? adminKey : init.key;
    if (key) headers.authorization = `Bearer ${key}`;
    return fetch(`${url}${PATH}`, { method: init.method ?? 'POST', headers, body: init.body ?? '{}' });
  }

  async function expectShape(res: Response, status: number, error: string) {
    assert.equal(res.status, status);
    const body = (await res.json()) as any;
    assert.deepEqual(Object.keys(body).sort(), ['error', 'issues', 'message', 'statusCode']);
    assert.equal(body.statusCode, status);
    assert.equal(body.error, error);
    assert.equal(typeof body.message, 'string');
    assert.ok(Array.isArray(body.issues));
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
    assert.ok(!JSON.stringify(body).includes('    at '), 'no stack trace');
    return body;
  }

  test('a valid request passes (the fixture route works)', async () => {
    const body = { teamId: 't', redirectUrl: 'https://app.example/back', socialAccountTypes: ['LINKEDIN'] };
    const res = await post({ body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as any).received, body);
  });

  test('validation errors list every issue with its path', async () => {
    const res = await post({
      body: JSON.stringify({ redirectUrl: 'not a url', socialAccountTypes: [], extra: 1 }),
    });
    const body = await expectShape(res, 400, 'VALIDATION_FAILED');
    const paths = body.issues.map((i: any) => i.path.join('.'));
    for (const path of ['teamId', 'redirectUrl', 'socialAccountTypes', 'extra']) {
      assert.ok(paths.includes(path), `an issue names ${path}: ${JSON.stringify(body.issues)}`);
    }
    for (const issue of body.issues) {
      assert.equal(typeof issue.code, 'string');
      assert.equal(typeof issue.message, 'string');
    }
  });

  test('a missing or unknown key is 401, a key without the scope 403', async () => {
    await expectShape(await post({ key: null }), 401, 'UNAUTHENTICATED');
    await expectShape(await post({ key: `pk_test_${'x'.repeat(40)}` }), 401, 'UNAUTHENTICATED');
    const forbidden = await expectShape(await post({ key: readOnlyKey }), 403, 'INSUFFICIENT_SCOPE');
    assert.match(forbidden.message, /social:write/);
  });

  test('malformed JSON 400, too large 413, wrong content type 415', async () => {
    await expectShape(await post({ body: '{"teamId": ' }), 400, 'INVALID_JSON');
    const huge = JSON.stringify({ teamId: 'x'.repeat(1024 * 1024 + 10) });
    await expectShape(await post({ body: huge }), 413, 'PAYLOAD_TOO_LARGE');
    await expectShape(
      await post({ body: 'teamId=x', contentType: 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  test('a wrong method is 405 with Allow, an unknown route 404', async () => {
    const wrong = await post({ method: 'PUT' });
    assert.equal(wrong.headers.get('allow'), 'POST');
    await expectShape(wrong, 405, 'METHOD_NOT_ALLOWED');
    await expectShape(await fetch(`${url}/api/v1/nothing`), 404, 'ROUTE_NOT_FOUND');
  });

  test('past the rate limit it is 429 with Retry-After; invalid requests count too', async () => {
    let res: Response | undefined;
    for (let i = 0; i < 40; i++) {
      res = await post({ body: '{}' });
      if (res.status === 429) break;
      await res.body?.cancel();
    }
    assert.ok(res);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    await expectShape(res, 429, 'RATE_LIMITED');
  });
});
